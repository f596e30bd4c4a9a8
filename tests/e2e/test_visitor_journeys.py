"""A visitor reads the portal in three languages and opens a city map."""

import re

from playwright.sync_api import expect

from tests.e2e.map_helpers import close_layers, open_layers


def test_a_visitor_reads_the_home_page_in_english_french_and_dutch(site, page):
    page.goto(site + "/")
    expect(page.locator("h1")).to_have_text("Keep and grow manufacturing in your city")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.shoot("en")

    page.get_by_role("navigation", name="Language").get_by_role("link", name="FR").click()
    expect(page).to_have_url(re.compile(r"/fr/$"))
    expect(page.locator("h1")).to_have_text("Maintenir et développer l'industrie dans votre ville")
    expect(page.get_by_role("navigation", name="Principal")).to_contain_text("Boîte à outils")
    page.shoot("fr")

    page.get_by_role("navigation", name="Langue").get_by_role("link", name="NL").click()
    expect(page).to_have_url(re.compile(r"/nl/$"))
    expect(page.locator("h1")).to_have_text("Houd de maakindustrie in uw stad en laat haar groeien")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.shoot("nl")

    page.get_by_role("navigation", name="Taal").get_by_role("link", name="EN").click()
    expect(page.locator("h1")).to_have_text("Keep and grow manufacturing in your city")


def test_a_visitor_opens_a_city_and_sees_its_districts_on_the_map(site, page):
    page.goto(site + "/")
    page.get_by_role("link", name="Brussels-Capital Region").first.click()

    expect(page.locator("h1")).to_have_text("Brussels-Capital Region")
    expect(page.get_by_role("note")).to_contain_text("The data on this page is synthetic.")
    # One drawn shape per district in Leaflet's vector layer.
    shapes = page.locator("#city-map .leaflet-overlay-pane path.leaflet-interactive")
    expect(shapes).to_have_count(19)
    # Only the districts, so that a click lands on one.
    open_layers(page)
    page.get_by_role("checkbox", name="Manufacturing sites").uncheck()
    open_layers(page)  # on a phone the list folds away when the pointer leaves it
    page.get_by_role("checkbox", name="Industrial land").uncheck()
    close_layers(page)
    expect(shapes).to_have_count(19)
    expect(page.locator("#city-map")).to_have_attribute("data-district-count", "19")

    shapes.nth(0).click(force=True)
    expect(page.locator(".leaflet-popup-content")).to_contain_text("km²")
    page.shoot("brussels")

    expect(page.locator("#districts-title + .table-wrap table")).to_contain_text(
        "Woluwe-Saint-Pierre"
    )


def test_a_visitor_follows_the_main_navigation(site, page):
    page.goto(site + "/")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Cities").click()
    expect(page.locator("h1")).to_have_text("Cities")
    expect(nav.get_by_role("link", name="Cities")).to_have_attribute("aria-current", "page")

    nav.get_by_role("link", name="Toolkit").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Space"))).to_be_visible()
    page.shoot("toolkit")

    nav.get_by_role("link", name="Makers").click()
    expect(page.locator("h1")).to_have_text("Maker directory")
    page.shoot("makers")


def test_a_keyboard_user_can_skip_to_the_content(site, page):
    page.goto(site + "/cities/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
