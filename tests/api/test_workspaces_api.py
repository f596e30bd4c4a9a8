"""The workspace API: public GeoJSON with the directory's filters, and a maker's own."""

import json

import pytest

from stakeholders.models import Workspace
from tests.personas import X, Y, make_workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops(alice, bob, city):
    return [
        make_workspace(alice, city, name="Near", processes=["welding"], x=X + 0.01, y=Y + 0.01),
        make_workspace(bob, city, name="Middle", processes=["welding"], x=X + 0.05, y=Y + 0.01),
        make_workspace(bob, city, name="Far", processes=["sewing"], x=X + 0.15, y=Y + 0.1),
    ]


def test_the_public_list_is_geojson_paged_by_id(client, shops):
    first = client.get("/api/v1/workspaces/?city=testville&limit=2")
    assert first.status_code == 200
    assert first["Content-Type"].startswith("application/geo+json")
    body = first.json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in body["features"]] == ["Near", "Middle"]
    assert body["features"][0]["geometry"]["type"] == "Point"
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    second = client.get(nxt).json()
    assert [f["properties"]["name"] for f in second["features"]] == ["Far"]


def test_near_is_longitude_latitude_and_orders_by_distance_within_the_radius(client, shops):
    response = client.get("/api/v1/workspaces/?near=10.01,45.01&km=10")
    body = response.json()
    assert [f["properties"]["name"] for f in body["features"]] == ["Near", "Middle"]
    distances = [f["properties"]["distance_m"] for f in body["features"]]
    assert distances[0] < 10 < distances[1] < 10_000
    assert "Deprecation" not in response
    assert body["datasets"] and body["licence"]


@pytest.mark.parametrize("legacy", ["45.01,10.01", "45.01,100.01"])
def test_the_first_latitude_longitude_order_still_works_for_a_release_and_says_so(
    client, shops, legacy
):
    """45.01,10.01 as longitude,latitude lies off Somalia, far from every city; 100.01 cannot
    be a latitude."""
    response = client.get(f"/api/v1/workspaces/?near={legacy}&km=10")
    assert response.status_code == 200
    assert response["Deprecation"].startswith("@")
    assert 'rel="deprecation"' in response["Link"]
    if legacy == "45.01,10.01":
        names = [f["properties"]["name"] for f in response.json()["features"]]
        assert names == ["Near", "Middle"]


def test_a_point_far_from_every_city_either_way_is_read_as_longitude_latitude(client, shops):
    response = client.get("/api/v1/workspaces/?near=-60,-30&km=10")
    assert response.status_code == 200 and "Deprecation" not in response
    assert response.json()["features"] == []


def test_filters_combine_as_on_the_page(client, shops):
    body = client.get("/api/v1/workspaces/?city=testville&process=welding&q=near").json()
    assert [f["properties"]["name"] for f in body["features"]] == ["Near"]


@pytest.mark.parametrize(
    "query", ["near=1", "near=200,100", "km=-3&near=10,45", "process=zzz", "limit=x&q=a"]
)
def test_bad_parameters_are_a_400_with_the_field(client, query):
    response = client.get(f"/api/v1/workspaces/?{query}")
    assert response.status_code == 400
    assert response.json()


def test_a_pending_workspace_is_not_in_the_public_api(client, pending):
    assert client.get(f"/api/v1/workspaces/{pending.slug}/").status_code == 404


def test_matches_come_with_reasons(client, alice, bob, city):
    joinery = make_workspace(alice, city, name="Joinery", materials_offered=["wood"])
    make_workspace(bob, city, name="Chairs", materials_used=["wood"], x=X + 0.06)
    body = client.get(f"/api/v1/workspaces/{joinery.slug}/matches/").json()
    assert body[0]["name"] == "Chairs"
    assert body[0]["reasons"] == ["Uses Wood, which you offer"]


def test_the_list_runs_a_fixed_number_of_queries(client, shops, alice, city,
                                                 django_assert_max_num_queries):  # fmt: skip
    for n in range(20):
        make_workspace(alice, city, name=f"More {n}", processes=["welding", "sewing"])
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/workspaces/?city=testville").status_code == 200
    with django_assert_max_num_queries(10):
        near = client.get("/api/v1/workspaces/?near=10.05,45.05&km=20")
    assert len(near.json()["features"]) == 23


def test_a_maker_creates_a_workspace_that_waits_for_review(client, alice, city):
    client.force_login(alice)
    body = {"name": "API joinery", "description": "Made by a script.", "city": "testville",
            "address": "9 Quay", "location": {"type": "Point", "coordinates": [10.05, 45.05]},
            "processes": ["woodworking"], "materials_offered": ["wood"]}  # fmt: skip
    response = client.post("/api/v1/me/workspaces/", body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["properties"]["status"] == "pending"
    created = Workspace.objects.get(name="API joinery")
    assert created.owner == alice
    assert created.events.get().action == "submitted"


@pytest.mark.parametrize(
    "change",
    [
        {"location": {"type": "Point", "coordinates": [4.35, 50.85]}},  # far from the city
        {"location": {"type": "LineString", "coordinates": [[10, 45], [10.1, 45.1]]}},
        {"processes": ["no-such-process"]},
        {"city": "atlantis"},
        {"floor_area_m2": -5},
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(client, alice, workspace, change):
    client.force_login(alice)
    before = Workspace.objects.filter(pk=workspace.pk).values().get()
    response = client.patch(
        f"/api/v1/me/workspaces/{workspace.slug}/", json.dumps(change),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert Workspace.objects.filter(pk=workspace.pk).values().get() == before
    assert not workspace.changes.exists()


def test_an_edit_to_a_published_workspace_waits_for_a_moderator_as_on_the_site(
    client, alice, workspace
):
    client.force_login(alice)
    response = client.patch(
        f"/api/v1/me/workspaces/{workspace.slug}/",
        json.dumps({"name": "Renamed by API", "employees": 9}),
        content_type="application/json",
    )
    assert response.status_code == 200
    props = response.json()["properties"]
    assert props["name"] == "Alice's lathe shop"
    assert props["employees"] == 9
    assert props["pending_changes"] == {"name": "Renamed by API"}


def test_the_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/workspaces/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/me/workspaces/"]
    names = {p["name"] for p in schema["paths"]["/api/v1/workspaces/"]["get"]["parameters"]}
    assert {"near", "km", "process", "material", "q"} <= names


@pytest.mark.parametrize(
    "location",
    ["POINT EMPTY", {"type": "Point", "coordinates": []},
     {"type": "Point", "coordinates": [10.05, 45.05, 12.0]}, "not geojson"],
)  # fmt: skip
def test_odd_locations_are_a_400(client, alice, city, location):
    client.force_login(alice)
    body = {"name": "Odd", "description": "d", "city": city.slug, "address": "a",
            "location": location}  # fmt: skip
    response = client.post("/api/v1/me/workspaces/", body, content_type="application/json")
    assert response.status_code == 400
    assert not Workspace.objects.filter(name="Odd").exists()


def test_a_huge_box_at_a_close_zoom_is_still_grouped(client, shops):
    body = client.get("/makers/map.geojson?bbox=-180,-85,180,85&zoom=18").json()
    assert len(body["features"]) <= 64 * 64
    assert sum(f["properties"]["count"] for f in body["features"]) >= 3


def test_a_makers_own_list_runs_a_fixed_number_of_queries(
    client, alice, city, django_assert_max_num_queries
):
    from stakeholders.services import workspace_update

    for n in range(8):
        shop = make_workspace(alice, city, name=f"Own {n}", processes=["welding"])
        workspace_update(workspace=shop, by=alice, data={"name": f"Own {n} renamed"})
    client.force_login(alice)
    with django_assert_max_num_queries(14):
        response = client.get("/api/v1/me/workspaces/")
    features = response.json()["features"]
    assert len(features) == 8
    assert features[0]["properties"]["pending_changes"] == {"name": "Own 0 renamed"}
