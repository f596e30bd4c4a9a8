"""The directory page, its map and matchmaking: filters combine, near is nearest first."""

import json
from html import unescape

import pytest

from stakeholders.selectors import workspace_matches
from tests.personas import X, Y, make_workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops(alice, bob, city):
    return {
        "joinery": make_workspace(
            alice, city, name="Oak joinery", description="Tables from reclaimed oak.",
            processes=["woodworking"], materials_used=["wood"], materials_offered=["wood"],
            production_runs=["one_off"], open_to_collaboration=True, x=X + 0.01, y=Y + 0.01,
        ),
        "upholstery": make_workspace(
            bob, city, name="Bob's upholstery", description="Chairs re-covered.",
            processes=["upholstery"], materials_used=["wood", "textiles"],
            production_runs=["short"], looking_for_space=True, x=X + 0.03, y=Y + 0.01,
        ),
        "metal": make_workspace(
            bob, city, name="Steel studio", description="Welded frames.",
            processes=["welding"], materials_offered=["metals"], production_runs=["batch"],
            x=X + 0.15, y=Y + 0.15,
        ),
        "closed": make_workspace(
            alice, city, name="Closed oak shop", processes=["woodworking"], x=X + 0.02,
            y=Y + 0.01, closed_at="2026-01-01T00:00Z",
        ),
        "pending": make_workspace(
            alice, city, name="Pending oak shop", processes=["woodworking"], status="pending",
        ),
    }  # fmt: skip


def names(response) -> list[str]:
    html = unescape(response.content.decode())
    found = [(html.find(w), w) for w in ("Oak joinery", "Bob's upholstery", "Steel studio",
                                          "Closed oak shop", "Pending oak shop")]  # fmt: skip
    return [name for at, name in sorted(found) if at >= 0]


def test_the_directory_lists_published_open_workspaces_only(client, shops):
    response = client.get("/makers/?city=testville")
    assert response.status_code == 200
    assert names(response) == ["Bob's upholstery", "Oak joinery", "Steel studio"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("process=woodworking", ["Oak joinery"]),
        ("material=wood", ["Bob's upholstery", "Oak joinery"]),
        ("material=wood&material_role=offered", ["Oak joinery"]),
        ("material=metals&material_role=used", []),
        ("run=batch", ["Steel studio"]),
        ("collaboration=on", ["Oak joinery"]),
        ("space=on", ["Bob's upholstery"]),
        ("q=reclaimed+oak", ["Oak joinery"]),
        ("q=chairs&material=wood&space=on", ["Bob's upholstery"]),
        ("near=45.01,10.01&km=5", ["Oak joinery", "Bob's upholstery"]),
        ("near=45.01,10.01&km=50", ["Oak joinery", "Bob's upholstery", "Steel studio"]),
        ("near=45.01,10.031&km=50", ["Bob's upholstery", "Oak joinery", "Steel studio"]),
    ],
)
def test_filters_combine(client, shops, query, expected):
    response = client.get(f"/makers/?city=testville&{query}")
    assert response.status_code == 200
    found = names(response)
    if "near" in query:
        assert found == expected  # nearest first
    else:
        assert sorted(found) == sorted(expected)


def test_near_shows_distances(client, shops):
    html = client.get("/makers/?near=45.01,10.01&km=5").content.decode()
    assert "10 m away" in html
    assert "1.6 km away" in html


@pytest.mark.parametrize(
    "query",
    ["near=95,10", "near=abc", "near=45,10&km=0", "near=45,10&km=9999", "process=nope",
     "city=atlantis", "run=huge"],
)  # fmt: skip
def test_bad_filters_get_a_clear_400(client, query):
    response = client.get(f"/makers/?{query}")
    assert response.status_code == 400
    assert "Some filters could not be used" in response.content.decode()


def test_the_directory_page_runs_a_fixed_number_of_queries(
    client, shops, alice, city, django_assert_max_num_queries
):
    for n in range(25):
        make_workspace(alice, city, name=f"Extra {n}", processes=["welding", "woodworking"])
    with django_assert_max_num_queries(12):
        response = client.get("/makers/?city=testville")
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        response = client.get("/makers/?near=45.05,10.05&km=20&process=welding")
    assert response.status_code == 200


def test_the_map_groups_workspaces_at_low_zoom_and_separates_them_up_close(client, shops):
    box = "9.9,44.9,10.3,45.3"
    far = json.loads(client.get(f"/makers/map.geojson?bbox={box}&zoom=8").content)
    assert sum(f["properties"]["count"] for f in far["features"]) == 3
    assert any(f["properties"]["count"] > 1 for f in far["features"])
    near = json.loads(client.get(f"/makers/map.geojson?bbox={box}&zoom=17").content)
    assert sorted(f["properties"]["name"] for f in near["features"]) == [
        "Bob's upholstery", "Oak joinery", "Steel studio"]  # fmt: skip
    filtered = json.loads(
        client.get(f"/makers/map.geojson?bbox={box}&zoom=17&process=welding").content
    )
    assert [f["properties"]["slug"] for f in filtered["features"]] == [shops["metal"].slug]


BAD_MAP_QUERIES = ["", "bbox=1,2,3&zoom=3", "bbox=0,0,1,1", "bbox=0,0,1,1&zoom=x",
                   "bbox=0,0,1,1&zoom=40", "bbox=0,0,1,1&zoom=3&near=bad"]  # fmt: skip


@pytest.mark.parametrize("query", BAD_MAP_QUERIES)
def test_the_map_refuses_bad_parameters(client, query):
    response = client.get(f"/makers/map.geojson?{query}")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_the_map_runs_one_statement(client, shops, django_assert_max_num_queries):
    # Besides the statement: a savepoint, its release, and SET LOCAL for the planner.
    with django_assert_max_num_queries(4) as queries:
        client.get("/makers/map.geojson?bbox=9.9,44.9,10.3,45.3&zoom=10")
    selects = [q for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    assert len(selects) == 1


def test_matches_suggest_material_partners_and_complementary_processes_nearest_first(shops):
    # The steel studio neither takes wood nor welds what joinery complements (metalworking).
    matches = workspace_matches(shops["joinery"])
    assert [m.workspace.name for m in matches] == ["Bob's upholstery"]
    assert matches[0].reasons == [
        "Uses Wood, which you offer",
        "Complementary processes: Upholstery",
    ]
    assert 1500 < matches[0].distance_m < 1650
    # ... and the reverse: joinery offers wood, which upholstery uses.
    reverse = workspace_matches(shops["upholstery"])
    assert reverse[0].workspace == shops["joinery"]
    assert "Offers Wood, which you use" in reverse[0].reasons


def test_the_profile_page_shows_matches_with_their_reasons(client, shops):
    html = client.get(f"/makers/{shops['joinery'].slug}/").content.decode()
    assert "Possible partners nearby" in html
    assert "Bob&#x27;s upholstery" in html
    assert "Uses Wood, which you offer" in html


def test_a_closed_workspace_says_so_on_its_page(client, shops):
    html = client.get(f"/makers/{shops['closed'].slug}/").content.decode()
    assert "marked this workspace closed" in html


def test_workspaces_appear_on_the_city_map_layer(client, shops, city):
    data = client.get(f"/cities/{city.slug}/layers/workspaces.geojson").json()
    assert data["features"][0]["properties"]["url"].startswith("/makers/")
    assert sorted(f["properties"]["name"] for f in data["features"]) == [
        "Bob's upholstery", "Oak joinery", "Steel studio"]  # fmt: skip
