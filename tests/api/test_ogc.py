"""/ogc/: OGC API - Features Part 1 (core, GeoJSON, OpenAPI 3.0) over the layer catalogue."""

import json

import pytest

from cities.models import District, Site

pytestmark = pytest.mark.usefixtures("demo")


def get(client, url: str, **headers):
    response = client.get(url, **headers)
    return response, json.loads(response.content)


def test_the_landing_page_links_what_qgis_and_gdal_look_for(client):
    response, body = get(client, "/ogc/")  # OWSLib sends no Accept header

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    rels = {link["rel"]: link for link in body["links"]}
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert rels["data"]["href"] == "http://testserver/ogc/collections"
    assert rels["conformance"]["href"].startswith("http://testserver/")  # absolute URLs
    _r, conformance = get(client, "/ogc/conformance")
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
        in (conformance["conformsTo"])
    )


def test_the_openapi_document_gives_limit_its_default_and_maximum(client):
    response, document = get(client, "/ogc/api")

    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    items = document["paths"]["/collections/{collectionId}/items"]["get"]
    limit = next(p for p in items["parameters"] if p["name"] == "limit")["schema"]
    assert (limit["default"], limit["maximum"]) == (100, 10_000)
    ids = next(p for p in items["parameters"] if p["name"] == "collectionId")["schema"]["enum"]
    assert {"sites", "zones", "districts", "context-stations"} <= set(ids)


def test_collections_come_from_the_layer_catalogue_with_an_items_link_in_geojson(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        _r, body = get(client, "/ogc/collections")

    collections = {c["id"]: c for c in body["collections"]}
    assert {"sites", "zones", "districts", "context-stations", "workspaces"} <= set(collections)
    sites = collections["sites"]
    assert sites["itemType"] == "feature"
    items = next(link for link in sites["links"] if link["rel"] == "items")
    assert items["type"] == "application/geo+json"
    west, south, east, north = sites["extent"]["spatial"]["bbox"][0]
    assert west < -0.1 < 4.4 < east and south < 50.8 < 52 < north  # London to Rotterdam


def test_items_are_a_keyset_page_with_a_count_licence_and_next_link(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response, first = get(client, "/ogc/collections/sites/items?city=london&limit=20")

    assert response["Content-Type"] == "application/geo+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert first["numberReturned"] == 20 and first["numberMatched"] == 5000
    assert first["licence"] and "(" in first["attribution"]
    ids = [f["id"] for f in first["features"]]
    assert ids == sorted(ids) and all(
        f["properties"]["city"] == "london" for f in first["features"]
    )
    next_url = next(link["href"] for link in first["links"] if link["rel"] == "next")
    _r, second = get(client, next_url)
    assert second["features"][0]["id"] > ids[-1] and "numberMatched" not in second


def test_a_whole_collection_is_read_by_following_next_links(client):
    url, seen = "/ogc/collections/districts/items?limit=7", []
    while url:
        _r, page = get(client, url)
        seen += [f["id"] for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)

    assert len(seen) == len(set(seen)) == District.objects.count() > 7


def test_bbox_and_property_filters_narrow_the_items(client):
    _r, page = get(client, "/ogc/collections/sites/items?bbox=4.3,50.8,4.4,50.9&sector=25"
                           "&limit=1000")  # fmt: skip

    expected = Site.objects.filter(sector_id=25, geom__intersects="SRID=4326;POLYGON((4.3 50.8,"
                                   "4.4 50.8,4.4 50.9,4.3 50.9,4.3 50.8))").count()  # fmt: skip
    assert page["numberMatched"] == expected > 0


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/ogc/collections/statues", 404, "no collection"),
        ("/ogc/collections/statues/items", 404, "no collection"),
        ("/ogc/collections/sites/items/999999999", 404, "no feature"),
        ("/ogc/collections/sites/items/abc", 404, "no feature"),
        ("/ogc/collections/sites/items?limit=10001", 400, "limit"),
        ("/ogc/collections/sites/items?limit=0", 400, "limit"),
        ("/ogc/collections/sites/items?colour=red", 400, "Unknown parameter: colour"),
        ("/ogc/collections/sites/items?bbox=1,2,3", 400, "bbox"),
        ("/ogc/collections/sites/items?city=atlantis", 400, "atlantis"),
        ("/ogc/collections/sites/items?crs=EPSG:2154", 400, "not served"),
    ],
)
def test_bad_requests_get_the_standard_exception_body(client, url, status, words):
    response, body = get(client, url)

    assert response.status_code == status
    assert set(body) == {"code", "description"} and words in body["description"]


def test_one_item_by_its_id(client):
    site = Site.objects.filter(city__slug="london").order_by("id").first()

    response, body = get(client, f"/ogc/collections/sites/items/{site.pk}")

    assert response["Content-Type"] == "application/geo+json"
    assert body["id"] == site.pk and body["properties"]["name"] == site.name
    assert body["geometry"]["type"] == "Point"


def test_queryables_and_schema_describe_each_collection(client):
    _r, collection = get(client, "/ogc/collections/sites")
    links = {link["rel"]: link["href"] for link in collection["links"]}

    response, queryables = get(client, links["http://www.opengis.net/def/rel/ogc/1.0/queryables"])
    assert response["Content-Type"] == "application/schema+json"
    assert {"geometry", "city", "sector", "employees", "name"} <= set(queryables["properties"])
    assert queryables["properties"]["sector"]["type"] == "integer"
    _r, schema = get(client, links["describedby"])
    assert schema["properties"]["employees"]["type"] == "integer"
    assert schema["properties"]["geometry"] == {"format": "geometry-point"}


def test_datetime_picks_the_year_of_land_zones(client):
    _r, zones = get(client, "/ogc/collections/zones/items?city=brussels&datetime=2009-06-01"
                            "&limit=1000")  # fmt: skip
    assert zones["numberMatched"] > 0
    assert {f["properties"]["year"] for f in zones["features"]} == {2009}
    for bad in ("2009-01-01/2019-12-31", "2019-13-99", "../2019-01-01", "soon"):
        response, body = get(client, f"/ogc/collections/zones/items?datetime={bad}")
        assert response.status_code == 400 and "within one year" in body["description"]
    _r, interval = get(client, "/ogc/collections/zones/items?city=brussels"
                               "&datetime=2009-01-01T00:00:00Z/2009-12-31")  # fmt: skip
    assert interval["numberMatched"] == zones["numberMatched"]


def test_features_come_in_the_crs_asked_for_with_a_content_crs_header(client):
    site = Site.objects.filter(city__slug="brussels").order_by("id").first()
    url = f"/ogc/collections/sites/items/{site.pk}"

    _r, plain = get(client, url)
    response, flipped = get(client, f"{url}?crs=http://www.opengis.net/def/crs/EPSG/0/4326")
    assert response["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    assert flipped["geometry"]["coordinates"] == plain["geometry"]["coordinates"][::-1]
    _r, lambert = get(client, f"{url}?crs=EPSG:31370")
    x, y = lambert["geometry"]["coordinates"]
    assert 140_000 < x < 160_000 and 160_000 < y < 180_000  # Brussels in Belgian Lambert 72
    response, page = get(client, "/ogc/collections/sites/items?city=brussels&limit=3"
                                 "&crs=EPSG:3857")  # fmt: skip
    assert response["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/3857>"
    assert all(f["geometry"]["coordinates"][0] > 400_000 for f in page["features"])


def test_a_bbox_may_be_given_in_another_crs(client):
    lambert = "bbox=145000,165000,155000,175000&bbox-crs=EPSG:31370"
    _r, page = get(client, f"/ogc/collections/sites/items?{lambert}&limit=10000")
    _r, degrees = get(client, "/ogc/collections/sites/items?bbox=4.29,50.80,4.44,50.90"
                              "&limit=10000")  # fmt: skip

    assert 0 < page["numberMatched"] <= degrees["numberMatched"] * 1.5
    for feature in page["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 4.28 < lon < 4.45 and 50.79 < lat < 50.91


def test_a_browser_gets_html_and_a_client_json_from_the_same_address(client):
    html = client.get("/ogc/collections/sites/items?city=london", HTTP_ACCEPT="text/html")
    plain = client.get("/ogc/collections/sites/items?city=london")
    forced = client.get("/ogc/collections/sites/items?city=london&f=json",
                        HTTP_ACCEPT="text/html")  # fmt: skip

    assert html["Content-Type"].startswith("text/html") and "Accept" in html["Vary"]
    assert "synthetic" in html.content.decode()
    assert plain["Content-Type"] == forced["Content-Type"] == "application/geo+json"
    for url in ("/ogc/", "/ogc/collections"):
        assert client.get(url, HTTP_ACCEPT="text/html")["Content-Type"].startswith("text/html")
        assert client.get(url)["Content-Type"] == "application/json"


def test_a_cql2_text_filter_narrows_the_items(client):
    query = "sector = 25 AND employees >= 10 AND city IN ('london', 'brussels')"
    _r, page = get(client, f"/ogc/collections/sites/items?filter={query}&limit=10000")

    expected = Site.objects.filter(sector_id=25, employees__gte=10,
                                   city__slug__in=["london", "brussels"]).count()  # fmt: skip
    assert page["numberMatched"] == page["numberReturned"] == expected > 0
    assert all(f["properties"]["employees"] >= 10 for f in page["features"])


def test_a_cql2_json_filter_with_a_spatial_predicate(client):
    box = {"bbox": [4.3, 50.8, 4.4, 50.9]}
    spec = {"op": "and", "args": [
        {"op": "like", "args": [{"property": "name"}, "Metal%"]},
        {"op": "s_intersects", "args": [{"property": "geometry"}, box]},
    ]}  # fmt: skip
    _r, page = get(client, f"/ogc/collections/sites/items?filter-lang=cql2-json"
                           f"&filter={json.dumps(spec)}&limit=10000")  # fmt: skip

    assert page["numberMatched"] > 0
    for feature in page["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert feature["properties"]["name"].startswith("Metal")
        assert 4.3 <= lon <= 4.4 and 50.8 <= lat <= 50.9


def test_the_conformance_lists_what_qgis_needs_to_push_filters_down(client):
    _r, body = get(client, "/ogc/conformance")

    for needed in ("spec/cql2/1.0/conf/basic-cql2", "spec/ogcapi-features-3/1.0/conf/filter",
                   "spec/ogcapi-features-3/1.0/conf/features-filter",
                   "spec/cql2/1.0/conf/cql2-text"):  # fmt: skip
        assert any(c.endswith(needed) for c in body["conformsTo"])


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("filter=sector = ", "cannot be read"),
        ("filter=colour = 'red'", "not a queryable"),
        ("filter=sector = 'metal'", "number"),
        ("filter=name > 3", "text"),
        ("filter=properties = 1", "not a queryable"),  # a json field is no queryable
        ("filter=sector = 25&filter-lang=sql", "filter-lang"),
        ("filter-lang=cql2-json&filter={bad", "cannot be read"),
        ("filter=S_INTERSECTS(name, POINT(4 50))", "geometry"),
    ],
)
def test_a_bad_filter_is_a_400_that_says_why(client, query, words):
    response, body = get(client, f"/ogc/collections/sites/items?{query}")

    assert response.status_code == 400 and words in body["description"]


def test_no_total_is_counted_past_the_cap(client, monkeypatch):
    from cities.ogc import features

    monkeypatch.setattr(features, "COUNT_CAP", 10)

    _r, page = get(client, "/ogc/collections/sites/items?city=london&limit=5")

    assert "numberMatched" not in page and page["numberReturned"] == 5


def _counts(queries) -> int:
    return sum("count(*) FROM (SELECT 1 FROM" in q["sql"] for q in queries.captured_queries)


def test_a_count_is_made_once_per_state_of_the_data(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = "/ogc/collections/sites/items?city=london&limit=20"
    with CaptureQueriesContext(connection) as first:
        _r, page = get(client, url)
    with CaptureQueriesContext(connection) as again:
        _r, same = get(client, url)
    Site.objects.filter(city__slug="london").order_by("pk").first().delete()
    with CaptureQueriesContext(connection) as changed:
        _r, fewer = get(client, url)

    assert _counts(first) == 1 and page["numberMatched"] == 5000
    assert _counts(again) == 0 and same["numberMatched"] == 5000
    assert _counts(changed) == 1 and fewer["numberMatched"] == 4999


def test_a_whole_answer_on_one_page_is_its_own_count(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        _r, page = get(client, "/ogc/collections/districts/items?city=london&limit=1000")

    assert page["numberMatched"] == page["numberReturned"] == len(page["features"]) > 0
    assert _counts(queries) == 0


def test_a_cache_outage_costs_a_count_not_the_page(client, settings):
    down = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}  # nothing there
    settings.CACHES = {"default": down}

    response, page = get(client, "/ogc/collections/sites/items?city=london&limit=20")

    assert response.status_code == 200 and page["numberMatched"] == 5000


def test_properties_are_the_layers_fields_in_order_and_the_id_is_the_features(client):
    _r, page = get(client, "/ogc/collections/sites/items?city=london&limit=2")
    _r, one = get(client, f"/ogc/collections/sites/items/{page['features'][0]['id']}")

    from cities.layers import get_layer

    assert list(page["features"][0]["properties"]) == get_layer("sites").field_names
    assert one["properties"] == page["features"][0]["properties"]
