"""Sites, land, statistics, flows and sectors through the partner API."""

import json

import pytest

from cities.models import Indicator, Site

pytestmark = pytest.mark.usefixtures("demo")


def test_sites_are_a_geojson_page_built_by_postgis_with_a_keyset_next_link(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):  # the city, the page, its datasets
        response = client.get("/api/v1/sites/?city=london&limit=50")
    assert response["Content-Type"] == "application/geo+json"
    page = json.loads(response.content)
    assert page["type"] == "FeatureCollection"
    assert page["numberReturned"] == 50
    ids = [f["properties"]["id"] for f in page["features"]]
    assert ids == sorted(ids)
    assert {f["properties"]["city"] for f in page["features"]} == {"london"}
    next_url = next(link["href"] for link in page["links"] if link["rel"] == "next")
    assert f"after={ids[-1]}" in next_url

    following = json.loads(client.get(next_url).content)
    assert following["features"][0]["properties"]["id"] > ids[-1]


def test_a_page_of_sites_costs_two_queries_whatever_its_size(client, django_assert_num_queries):
    for limit in (1, 1000):
        with django_assert_num_queries(2):  # the page, then its datasets' licences
            client.get(f"/api/v1/sites/?limit={limit}")


def test_the_last_page_has_no_next_link(client):
    last_id = Site.objects.order_by("-id").values_list("id", flat=True)[0]
    page = json.loads(client.get(f"/api/v1/sites/?after={last_id - 1}").content)
    assert page["numberReturned"] == 1
    assert [link["rel"] for link in page["links"]] == ["enclosure"] * 4  # files, no next page


def test_sites_filter_by_sector_bbox_and_year(client):
    page = json.loads(
        client.get(
            "/api/v1/sites/?city=brussels&sector=25,31&active_in=2012"
            "&bbox=4.2,50.7,4.5,50.95&limit=1000"
        ).content
    )
    assert page["numberReturned"] > 0
    for feature in page["features"]:
        p = feature["properties"]
        assert p["sector"] in (25, 31)
        # A site whose opening is not known counts as open (imports may not say).
        assert p["year_opened"] is None or p["year_opened"] <= 2012
        assert p["year_closed"] is None or p["year_closed"] > 2012
        lon, lat = feature["geometry"]["coordinates"]
        assert 4.2 <= lon <= 4.5 and 50.7 <= lat <= 50.95


def test_a_site_in_detail_names_its_sector_and_says_it_is_synthetic(client):
    site = Site.objects.filter(city__slug="brussels").first()
    body = client.get(f"/api/v1/sites/{site.pk}/", headers={"accept-language": "fr"}).json()
    assert body["properties"]["sector"]["code"] == site.sector_id
    assert body["properties"]["sector"]["name"] == site.sector.name_fr
    assert body["properties"]["dataset"]["quality"] == "synthetic"


@pytest.mark.parametrize(
    "query",
    [
        "sector=abc",
        "sector=9",
        "active_in=abc",
        "bbox=1,2,3",
        "limit=0",
        "limit=5000",
        "after=-1",
        "after=99999999999999999999999",
    ],
)
def test_bad_site_filters_get_a_400_naming_the_field(client, query):
    response = client.get(f"/api/v1/sites/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_indicators_give_one_value_per_district_for_the_choropleth(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):  # the city is checked, then the page
        body = client.get(
            "/api/v1/indicators/?city=brussels&key=manufacturing_jobs&year=2018"
            "&sector=total&district=all&limit=1000"
        ).json()
    rows = body["results"]
    assert len(rows) == 19
    assert {row["key"] for row in rows} == {"manufacturing_jobs"}
    assert all(row["district_id"] and row["sector"] is None for row in rows)
    total = Indicator.objects.get(
        city__slug="brussels", key="manufacturing_jobs", year=2018, district=None, sector=None
    ).value
    assert sum(row["value"] for row in rows) == pytest.approx(total)


def test_indicators_filter_city_totals_by_sector(client):
    rows = client.get(
        "/api/v1/indicators/?city=london&key=manufacturing_firms&district=total&sector=25"
    ).json()["results"]
    assert len(rows) == 11
    assert {row["year"] for row in rows} == set(range(2010, 2021))
    assert client.get("/api/v1/indicators/?sector=metal").status_code == 400
    assert client.get("/api/v1/indicators/?key=happiness").status_code == 400


def test_zones_flows_and_sectors_are_listed_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):  # the city is checked, then the page
        zones = client.get("/api/v1/zones/?city=brussels&year=2009&limit=100").json()
    assert zones["type"] == "FeatureCollection"
    assert {f["properties"]["reference_year"] for f in zones["features"]} == {2009}
    with django_assert_max_num_queries(3):  # the city and the material are checked
        flows = client.get("/api/v1/flows/?city=brussels&material=metals").json()["results"]
    assert flows and {f["material"] for f in flows} == {"metals"}
    with django_assert_max_num_queries(1):
        sectors = client.get("/api/v1/sectors/", headers={"accept-language": "nl"}).json()
    assert len(sectors) == 24
    assert sectors[0] == {"code": 10, "name": "Vervaardiging van voedingsmiddelen"}


def test_the_schema_documents_every_map_endpoint(client):
    schema = client.get("/api/schema/", headers={"accept": "application/json"}).json()
    for path in ("sites", "zones", "indicators", "flows", "sectors"):
        assert f"/api/v1/{path}/" in schema["paths"], path
    parameters = {p["name"] for p in schema["paths"]["/api/v1/sites/"]["get"]["parameters"]}
    assert {"city", "bbox", "sector", "active_in", "limit", "after"} <= parameters


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/indicators/?sector=%C2%B2",
        "/api/v1/indicators/?sector=45",
        "/api/v1/indicators/?cursor=cD1hYmM%3D",
        "/api/v1/flows/?cursor=cD1hYmM%3D",
    ],
)
def test_odd_statistics_queries_get_a_4xx(client, url):
    assert client.get(url).status_code in (400, 404)


def test_each_sites_feature_carries_its_id_at_the_top_level_as_rfc_7946_has_it(client):
    page = json.loads(client.get("/api/v1/sites/?city=london&limit=5").content)

    assert all(f["id"] == f["properties"]["id"] for f in page["features"])


@pytest.mark.parametrize("endpoint", ["sites", "districts", "zones", "indicators", "flows"])
def test_an_unknown_city_is_a_400_that_says_so_not_an_empty_page(client, endpoint):
    response = client.get(f"/api/v1/{endpoint}/?city=atlantis")

    assert response.status_code == 400
    assert "No city is called “atlantis”" in response.json()["city"][0]


def test_an_unknown_material_is_a_400(client):
    response = client.get("/api/v1/flows/?city=london&material=kryptonite")

    assert response.status_code == 400 and "kryptonite" in response.json()["material"][0]


def test_indicators_and_flows_carry_labels_in_the_requests_language(client):
    rows = client.get(
        "/api/v1/indicators/?city=brussels&district=all&sector=25&limit=5",
        headers={"accept-language": "nl"},
    ).json()["results"]
    assert rows and all(r["sector_name"].startswith("Vervaardiging") for r in rows)
    assert all(r["district_name"] and r["key_label"] for r in rows)
    flows = client.get("/api/v1/flows/?city=brussels&limit=5").json()["results"]
    assert flows and all(f["material_name"] for f in flows)
    assert any(f["origin_district_name"] or f["destination_district_name"] for f in flows)


def test_an_unknown_district_is_a_400(client):
    response = client.get("/api/v1/indicators/?city=brussels&district=atlantis")

    assert response.status_code == 400 and "atlantis" in response.json()["district"][0]


def test_public_reads_send_cors_headers_and_answer_a_preflight_for_reads_only(client):
    read = client.get("/api/v1/sectors/", headers={"origin": "https://lab.example"})
    assert read["Access-Control-Allow-Origin"] == "*"
    assert "RateLimit-Remaining" in read["Access-Control-Expose-Headers"]

    preflight = client.options(
        "/api/v1/sites/", headers={"origin": "https://lab.example",
                                   "access-control-request-method": "GET",
                                   "access-control-request-headers": "authorization"},
    )  # fmt: skip
    assert preflight.status_code == 204
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    write = client.options(
        "/api/v1/datasets/x/sites/bulk",
        headers={"origin": "https://lab.example", "access-control-request-method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in write
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"origin": "https://x"})


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sites/?city=london&limit=5",
        "/api/v1/zones/?city=london&limit=5",
        "/api/v1/districts/?city=london&limit=5",
        "/api/v1/cities/",
        "/api/v1/indicators/?city=london&limit=5",
        "/api/v1/flows/?city=london&limit=5",
    ],
)
def test_every_page_names_its_licence_and_pages_with_links(client, url):
    body = json.loads(client.get(url).content)
    (dataset,) = body["datasets"]
    assert dataset["quality"] == "synthetic"
    assert body["licence"] == dataset["licence"] and dataset["licence"]
    assert dataset["publisher"] in body["attribution"]
    assert body["numberReturned"] == len(body.get("features", body.get("results", [])))
    if "cities" not in url:
        assert [link["rel"] for link in body["links"]][:1] == ["next"]
