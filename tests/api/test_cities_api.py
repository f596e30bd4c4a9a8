import pytest

from cities.models import City, District


def test_the_api_root_lists_the_resources(client, db):
    body = client.get("/api/v1/").json()
    assert {"cities", "districts", "sectors", "sites", "zones", "indicators", "flows"} <= set(body)
    assert {"tools", "themes", "case-studies", "plans", "events"} <= set(body)
    assert body["sites"] == "http://testserver/api/v1/sites/"


def test_cities_are_geojson_features_with_their_provenance(
    client, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        body = client.get("/api/v1/cities/").json()
    assert body["type"] == "FeatureCollection"
    assert body["numberReturned"] == 3
    brussels = next(f for f in body["features"] if f["id"] == "brussels")
    assert brussels["geometry"]["type"] == "MultiPolygon"
    assert brussels["properties"]["district_count"] == 19
    assert brussels["properties"]["dataset"]["quality"] == "synthetic"


def test_a_city_is_found_by_its_identifier_in_the_asked_language(client, demo):
    body = client.get("/api/v1/cities/brussels/", headers={"accept-language": "nl"}).json()
    assert body["properties"]["name"] == "Brussels Hoofdstedelijk Gewest"


def test_districts_filter_by_city_and_page_by_cursor(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        first = client.get("/api/v1/districts/?city=london&limit=20").json()
    assert first["numberReturned"] == 20
    next_link = next(link["href"] for link in first["links"] if link["rel"] == "next")
    assert "cursor=" in next_link and "offset" not in next_link

    second = client.get(next_link).json()
    assert second["numberReturned"] == 13
    assert not [link for link in second["links"] if link["rel"] == "next"]
    names = {f["properties"]["name"] for f in first["features"] + second["features"]}
    assert names == set(District.objects.filter(city__slug="london").values_list("name", flat=True))


def test_a_page_of_districts_costs_the_same_queries_whatever_its_size(
    client, demo, django_assert_max_num_queries
):
    for limit in (1, 74):
        with django_assert_max_num_queries(2):
            client.get(f"/api/v1/districts/?limit={limit}")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_anonymous_writes_are_refused_and_change_nothing(client, demo, method):
    before = City.objects.get(slug="brussels").name
    response = getattr(client, method)(
        "/api/v1/cities/brussels/", data={"name": "Atlantis"}, content_type="application/json"
    )
    # 401: the API asks for credentials (a partner token or a session); 405 for the
    # methods no one may use here.
    assert response.status_code in (401, 405)
    if response.status_code == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert City.objects.get(slug="brussels").name == before


def test_the_openapi_schema_describes_the_endpoints(client, db):
    response = client.get("/api/schema/", headers={"accept": "application/json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/cities/", "/api/v1/districts/"} <= set(schema["paths"])


def test_the_api_documentation_is_served_from_this_site(client, db):
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cities/%00/",
        "/api/v1/districts/%00/",
        "/api/v1/districts/99999999999999999999999/",
        "/api/v1/districts/?cursor=cD1hYmM%3D",  # p=abc
        "/api/v1/districts/?cursor=cD0xZTk5OQ%3D%3D",  # p=1e999
        "/api/v1/districts/?cursor=not-base64",
        "/api/v1/districts/?city=%00",
        "/api/v1/districts/?limit=-1",
    ],
)
def test_odd_input_gets_a_4xx_or_an_empty_answer_never_a_500(client, db, path):
    response = client.get(path)
    assert response.status_code in (200, 400, 404), response.status_code
