"""Vector tiles: decoded with mapbox-vector-tile and checked feature by feature."""

import math

import mapbox_vector_tile
import pytest
from django.db import connection

from cities.models import City, LandZone, Site

pytestmark = pytest.mark.usefixtures("demo")


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def get_tile(client, layer, z, x, y, query=""):
    response = client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf{query}")
    assert response.status_code == 200, response.content
    return response, mapbox_vector_tile.decode(response.content)


def open_site() -> Site:
    return Site.objects.filter(year_closed__isnull=True, city__slug="brussels").order_by("id")[0]


def test_a_full_detail_tile_holds_every_open_site_in_it_with_its_sector(client):
    site = open_site()
    z, x, y = tile_of(site.geom.x, site.geom.y, 16)

    response, tile = get_tile(client, "sites", z, x, y)

    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    features = {f["properties"]["id"]: f["properties"] for f in tile["sites"]["features"]}
    assert features[site.pk] == {"id": site.pk, "sector": site.sector_id}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM cities_site WHERE year_closed IS NULL"
            " AND geom_3857 && ST_TileEnvelope(%s, %s, %s)",
            [z, x, y],
        )
        assert len(features) >= cursor.fetchone()[0]


def test_closed_sites_are_not_drawn(client):
    closed = Site.objects.filter(year_closed__isnull=False).first()
    _, tile = get_tile(client, "sites", *tile_of(closed.geom.x, closed.geom.y, 16))
    ids = {f["properties"]["id"] for f in tile.get("sites", {"features": []})["features"]}
    assert closed.pk not in ids


def test_low_zoom_tiles_are_thinned_to_a_bounded_number_of_sites(client):
    brussels = City.objects.get(slug="brussels")
    centre = brussels.outline.centroid
    _, tile = get_tile(client, "sites", *tile_of(centre.x, centre.y, 10))
    count = len(tile["sites"]["features"])
    assert 0 < count <= 8 * 32 * 32
    assert count < Site.objects.filter(city=brussels, year_closed__isnull=True).count()


def test_the_sites_layer_filters_by_sector(client):
    site = open_site()
    tile = tile_of(site.geom.x, site.geom.y, 13)
    _, filtered = get_tile(client, "sites", *tile, f"?sector={site.sector_id}")
    sectors = {f["properties"]["sector"] for f in filtered["sites"]["features"]}
    assert sectors == {site.sector_id}


def test_zones_are_drawn_for_the_asked_year(client):
    zone = LandZone.objects.filter(city__slug="london", reference_year=2009).first()
    point = zone.geom.point_on_surface
    tile = tile_of(point.x, point.y, 12)
    _, then = get_tile(client, "zones", *tile, "?year=2009")
    ids = {f["properties"]["id"] for f in then["zones"]["features"]}
    assert zone.pk in ids
    assert {f["properties"]["category"] for f in then["zones"]["features"]} <= {
        "SIL",
        "LSIS",
        "NDIL",
    }
    _, now = get_tile(client, "zones", *tile, "?year=2019")
    assert zone.pk not in {
        f["properties"]["id"] for f in now.get("zones", {"features": []})["features"]
    }


def test_districts_are_drawn_with_their_names(client):
    brussels = City.objects.get(slug="brussels")
    centre = brussels.outline.centroid
    _, tile = get_tile(client, "districts", *tile_of(centre.x, centre.y, 10))
    names = {f["properties"]["name"] for f in tile["districts"]["features"]}
    assert {"Ixelles", "Anderlecht"} <= names


def test_a_tile_is_cached_with_an_etag_and_served_again_without_the_database(
    client, django_assert_num_queries
):
    site = open_site()
    url = "/tiles/sites/{}/{}/{}.pbf".format(*tile_of(site.geom.x, site.geom.y, 15))
    first = client.get(url)
    assert first["Cache-Control"].startswith("public")
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    not_modified = client.get(url, headers={"if-none-match": first["ETag"]})
    assert not_modified.status_code == 304


def test_a_tile_changes_when_its_layer_data_changes(client, django_capture_on_commit_callbacks):
    from cities.generation import sites_generate
    from cities.models import Dataset

    city = City.objects.get(slug="rotterdam-the-hague")
    centre = city.outline.centroid
    url = "/tiles/sites/{}/{}/{}.pbf".format(*tile_of(centre.x, centre.y, 8))
    before = client.get(url)
    dataset = Dataset.objects.get(slug="demo-sites")
    with django_capture_on_commit_callbacks(execute=True):
        sites_generate(city=city, dataset=dataset, count=500, seed=0.9)
    after = client.get(url)
    assert after["ETag"] != before["ETag"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/tiles/rivers/1/0/0.pbf", 404),
        ("/tiles/sites/19/0/0.pbf", 400),
        ("/tiles/sites/3/8/0.pbf", 400),
        ("/tiles/sites/3/0/8.pbf", 400),
        ("/tiles/sites/3/0/0.pbf?sector=9", 400),
        ("/tiles/sites/3/0/0.pbf?sector=metal", 400),
        ("/tiles/zones/3/0/0.pbf?year=1700", 400),
    ],
)
def test_bad_tile_requests_get_a_clear_4xx(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    if status == 400:
        assert response.json()["detail"]


def test_renaming_a_district_in_the_admin_redraws_its_tiles(
    admin_client, client, django_capture_on_commit_callbacks
):
    from cities.models import District

    ixelles = District.objects.get(city__slug="brussels", name="Ixelles")
    point = ixelles.geom.point_on_surface
    url = "/tiles/districts/{}/{}/{}.pbf".format(*tile_of(point.x, point.y, 12))
    before = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/cities/district/{ixelles.pk}/change/",
            {"city": ixelles.city_id, "slug": ixelles.slug, "name": "Elsene-Ixelles",
             "local_names": "Ixelles,Elsene", "dataset": ixelles.dataset_id},
        )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    after = client.get(url)
    assert after["ETag"] != before["ETag"]
    names = {
        f["properties"]["name"]
        for f in mapbox_vector_tile.decode(after.content)["districts"]["features"]
    }
    assert "Elsene-Ixelles" in names


def test_empty_and_multi_sector_tiles_are_not_cached(client):
    from django.core.cache import cache

    from cities.tile_versions import layer_version

    version = layer_version("sites")
    client.get("/tiles/sites/18/1/1.pbf")  # the middle of the ocean
    assert cache.get(f"tile:sites:{version}:18/1/1:") is None
    site = open_site()
    z, x, y = tile_of(site.geom.x, site.geom.y, 14)
    client.get(f"/tiles/sites/{z}/{x}/{y}.pbf?sector=10,25")
    assert cache.get(f"tile:sites:{version}:{z}/{x}/{y}:sector=10,25") is None
    client.get(f"/tiles/sites/{z}/{x}/{y}.pbf")
    assert cache.get(f"tile:sites:{version}:{z}/{x}/{y}:") is not None
