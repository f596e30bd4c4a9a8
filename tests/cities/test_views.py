import json

import pytest

from tests.factories import CityFactory, DistrictFactory, square


def test_the_city_index_lists_every_city_in_a_constant_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        response = client.get("/cities/")
    html = response.content.decode()
    for name in ("Brussels-Capital Region", "Greater London", "Rotterdam – The Hague"):
        assert name in html
    assert "Synthetic boundaries" in html


def test_the_city_page_shows_its_districts_and_says_they_are_synthetic(
    client, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        response = client.get("/cities/brussels/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "District names are real; boundaries" in html
    assert '"districts": "/cities/brussels/districts.geojson"' in html
    assert html.count('<th scope="row">') >= 19
    assert "Woluwe-Saint-Pierre" in html


def test_the_districts_layer_is_a_feature_collection_built_by_postgis(client, demo):
    response = client.get("/cities/london/districts.geojson")
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 33
    camden = next(f for f in collection["features"] if f["properties"]["name"] == "Camden")
    assert camden["geometry"]["type"] == "MultiPolygon"
    assert camden["properties"]["slug"] == "camden"
    assert camden["properties"]["area_km2"] > 0


@pytest.mark.django_db
def test_the_districts_layer_filters_by_bbox(client):
    city = CityFactory(outline=square(4.0, 50.0, 1.0))
    DistrictFactory(city=city, name="West", geom=square(4.0, 50.0, 0.1))
    DistrictFactory(city=city, name="East", geom=square(4.8, 50.0, 0.1))

    response = client.get(f"/cities/{city.slug}/districts.geojson?bbox=3.9,49.9,4.2,50.2")

    names = [f["properties"]["name"] for f in json.loads(response.content)["features"]]
    assert names == ["West"]


@pytest.mark.django_db
@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "5,50,4,51", "0,0,200,1", "1,2,3,4,5"])
def test_a_bad_bbox_gets_a_400_with_a_reason(client, bbox):
    city = CityFactory()
    response = client.get(f"/cities/{city.slug}/districts.geojson?bbox={bbox}")
    assert response.status_code == 400
    assert "bbox" in response.json()["detail"]


@pytest.mark.django_db
def test_an_unknown_city_is_a_404(client):
    assert client.get("/cities/atlantis/").status_code == 404
    assert client.get("/cities/atlantis/districts.geojson").status_code == 404


def test_the_city_page_has_the_map_its_settings_charts_and_their_tables(
    client, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        response = client.get("/cities/london/")
    html = response.content.decode()
    assert 'id="city-map"' in html
    assert 'id="map-config"' in html and '"siteTiles": "/tiles/sites/{z}/{x}/{y}.pbf"' in html
    for control in ('name="ind"', 'name="ind_year"', 'name="sector"', 'name="land"'):
        assert control in html
    for chart in ("chart-jobs", "chart-firms", "chart-flows"):
        assert f'id="{chart}"' in html
    assert html.count("Show the figures as a table") == 3
    assert "The data on this page is synthetic." in html
    assert "Manufacturing sites (synthetic)" in html


def test_industrial_land_is_served_by_year_and_what_was_lost(client, demo):
    then = json.loads(client.get("/cities/brussels/zones.geojson?year=2009").content)
    now = json.loads(client.get("/cities/brussels/zones.geojson?year=2019").content)
    assert len(then["features"]) > len(now["features"]) > 0
    assert {f["properties"]["year"] for f in then["features"]} == {2009}
    lost = json.loads(client.get("/cities/brussels/zones-lost.geojson").content)
    assert lost["features"]
    assert all(f["properties"]["since"] == 2009 for f in lost["features"])
    assert client.get("/cities/brussels/zones.geojson?year=soon").status_code == 400


def test_flows_and_stations_are_served_as_geojson(client, demo):
    flows = json.loads(client.get("/cities/london/flows.geojson").content)
    assert flows["features"]
    assert all(f["geometry"]["type"] == "Point" for f in flows["features"])
    stations = json.loads(client.get("/cities/london/context/stations.geojson").content)
    assert "King's Cross" in {f["properties"]["name"] for f in stations["features"]}
    assert client.get("/cities/london/context/rivers.geojson").status_code == 404
