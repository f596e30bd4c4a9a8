import pytest

pytestmark = pytest.mark.usefixtures("demo")


def test_tools_are_searched_and_filtered_like_the_page(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/tools/?q=land&dimension=space&limit=50").json()
    assert body["count"] >= 2
    assert {t["dimension"] for t in body["results"]} == {"space"}
    with django_assert_max_num_queries(4):
        client.get("/api/v1/tools/?limit=200")


def test_a_tool_in_detail_has_its_pattern_and_links(client):
    body = client.get("/api/v1/tools/stacked-industrial-buildings/").json()
    assert body["steps"].startswith("1.")
    assert body["related"] and body["case_studies"]


def test_case_studies_come_as_json_and_geojson(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        rows = client.get("/api/v1/case-studies/?city=brussels").json()
    assert len(rows) == 3
    with django_assert_max_num_queries(4):
        collection = client.get("/api/v1/case-studies/geojson/").json()
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 9


def test_plans_come_with_their_actions_and_events_by_city(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        plans = client.get("/api/v1/plans/").json()
    assert len(plans) == 3 and all(len(p["actions"]) >= 6 for p in plans)
    assert client.get("/api/v1/plans/london/").json()["city"] == "london"
    events = client.get("/api/v1/events/?city=brussels").json()
    assert events and {e["city"] for e in events} == {"brussels"}
    assert client.get("/api/v1/themes/").json()


def test_bad_toolkit_queries_get_a_4xx(client):
    assert client.get("/api/v1/tools/?page=999").status_code == 404
    assert client.get("/api/v1/tools/nope/").status_code == 404
    assert client.get("/api/v1/case-studies/?sector=abc").status_code == 400
    assert client.get("/api/v1/tools/?sort=loudest").status_code == 400
    assert client.get("/api/v1/tools/?effort=endless").json()["errors"]["effort"]
    assert client.get("/api/v1/tools/?limit=0").status_code == 400


def test_tools_page_in_the_apis_one_style(client):
    body = client.get("/api/v1/tools/?limit=5").json()
    assert body["numberReturned"] == 5 and body["numberMatched"] == body["count"] > 5
    next_link = next(link["href"] for link in body["links"] if link["rel"] == "next")
    assert client.get(next_link).json()["results"][0] != body["results"][0]
    assert body["results"][0]["url"].startswith("http://testserver/")
