"""An official explores a city map: layers, sector filter, land years, a site, the flows."""

import re
from urllib.parse import parse_qs, urlsplit

from django.db import connection
from playwright.sync_api import expect

from cities.models import Site
from tests.e2e.map_helpers import close_layers, open_layers

LAYERS = ["Districts", "Industrial land", "Land lost since 2009", "Railway stations",
          "Case studies", "Maker workspaces", "Manufacturing sites"]  # fmt: skip


def query_of(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def lonely_site() -> Site:
    """An open site with no other within 50 m, so that a click finds it alone."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.id FROM cities_site s JOIN cities_city c ON c.id = s.city_id
            WHERE c.slug = 'brussels' AND s.year_closed IS NULL AND NOT EXISTS (
              SELECT 1 FROM cities_site o WHERE o.id <> s.id
              AND ST_DWithin(o.geom::geography, s.geom::geography, 50))
            ORDER BY s.id LIMIT 1
            """
        )
        return Site.objects.select_related("sector").get(pk=cursor.fetchone()[0])


def test_an_official_toggles_every_layer_and_the_address_keeps_the_view(site, page):
    page.goto(site + "/cities/brussels/")
    city_map = page.locator("#city-map")
    expect(city_map).to_have_class(re.compile("is-loaded"))

    open_layers(page)
    for name in LAYERS:
        open_layers(page)
        box = page.get_by_role("checkbox", name=name)
        if box.is_checked():
            box.uncheck()
        box.check()
        expect(box).to_be_checked()
    expect(city_map).to_have_attribute("data-lost-count", re.compile(r"^[1-9]"))
    expect(city_map).to_have_attribute("data-stations-count", "5")
    expect(city_map).to_have_attribute("data-case-studies-count", "3")
    expect(city_map).to_have_attribute("data-workspaces-count", re.compile(r"^[1-9]"))
    expect(page.locator(".map-legend")).to_contain_text("Land lost since 2009")
    page.shoot("all-layers")
    assert set(query_of(page)["layers"].split(",")) == {
        "districts", "land", "lost", "stations", "case-studies", "workspaces", "sites",
    }  # fmt: skip

    open_layers(page)  # on a phone the list folds away when the pointer leaves it
    page.get_by_role("checkbox", name="Districts").uncheck()
    open_layers(page)
    page.get_by_role("checkbox", name="Railway stations").uncheck()
    close_layers(page)
    assert set(query_of(page)["layers"].split(",")) == {
        "land", "lost", "case-studies", "workspaces", "sites",
    }  # fmt: skip

    # The address is the view: opened again, it shows the same layers.
    page.goto(page.url)
    expect(city_map).to_have_class(re.compile("is-loaded"))
    open_layers(page)
    expect(page.get_by_role("checkbox", name="Districts")).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="Land lost since 2009")).to_be_checked()


def test_an_official_filters_sites_by_sector_and_switches_the_land_year(site, page):
    page.goto(site + "/cities/brussels/")
    city_map = page.locator("#city-map")
    expect(city_map).to_have_class(re.compile("is-loaded"))

    with page.expect_request(re.compile(r"/tiles/sites/\d+/\d+/\d+\.pbf\?sector=25$")):
        page.get_by_label("Show sector").select_option("25")
    expect(city_map).to_have_attribute("data-site-sector", "25")
    assert query_of(page)["sector"] == "25"

    expect(city_map).to_have_attribute("data-land-year", "2019")
    count_2019 = int(city_map.get_attribute("data-land-count"))
    page.get_by_role("radio", name="2009").check()
    expect(city_map).to_have_attribute("data-land-year", "2009")
    expect(city_map).not_to_have_attribute("data-land-count", str(count_2019))
    assert query_of(page)["land"] == "2009"

    page.get_by_label("Indicator").select_option("manufacturing_firms")
    page.get_by_label("Year", exact=True).select_option("2012")
    expect(page.locator(".map-legend")).to_contain_text("Manufacturing firms, 2012")
    page.shoot("filtered")


def test_an_official_opens_a_site_and_reads_its_details(site, page):
    target = lonely_site()
    page.goto(
        f"{site}/cities/brussels/?layers=sites&map=18/{target.geom.y:.6f}/{target.geom.x:.6f}"
    )
    city_map = page.locator("#city-map")
    expect(city_map).to_have_class(re.compile("is-loaded"))
    page.wait_for_load_state("networkidle")
    box = city_map.bounding_box()
    # The site sits at the centre of the view; the click goes to the map's canvas there.
    city_map.click(position={"x": box["width"] / 2, "y": box["height"] / 2}, force=True)

    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(target.name)
    expect(popup).to_contain_text(f"{target.sector_id} {target.sector.name}")
    expect(popup).to_contain_text("Synthetic")
    page.shoot("site-popup")


def test_an_official_reads_the_material_flows_and_their_table(site, page):
    page.goto(site + "/cities/london/")
    flows = page.locator("#chart-flows")
    flows.scroll_into_view_if_needed()
    expect(flows).to_have_attribute("data-links", re.compile(r"^[1-9]\d*$"))
    figure = page.locator("figure", has=flows)
    figure.get_by_text("Show the figures as a table").click()
    table = figure.get_by_role("table")
    expect(table).to_be_visible()
    expect(table).to_contain_text("Import")
    expect(table).to_contain_text("Waste treatment")
    expect(table).to_contain_text("Barking and Dagenham")
    page.shoot("flows")
