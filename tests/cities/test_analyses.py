"""Each analysis kind against a result worked out by hand on a small city (analysis_fixtures)."""

import math

import pytest
from django.db import connection

from cities.analyses import clusters
from cities.analyses.base import get_kind
from cities.analyses.services import analysis_request
from cities.jobs import job_execute
from cities.models import Analysis, Job
from tests.cities.analysis_fixtures import (
    build_districts,
    build_land,
    build_stations,
    layer,
    metric_box,
    run,
    site,
)


def by(rows: list[dict], key: str = "district") -> dict:
    return {row[key]: row for row in rows}


# ---- Industrial land change -----------------------------------------------------------


def test_land_change_gives_the_hectares_lost_gained_and_kept_per_district_and_city(city, mona):
    build_land(city)

    analysis = run(mona, city, "land-change", year_from="2009", year_to="2019")

    totals = analysis.summary["totals"]
    assert totals["before_ha"] == pytest.approx(4, abs=1e-3)
    assert totals["after_ha"] == pytest.approx(3, abs=1e-3)
    assert totals["lost_ha"] == pytest.approx(3, abs=1e-3)
    assert totals["gained_ha"] == pytest.approx(2, abs=1e-3)
    assert totals["kept_ha"] == pytest.approx(1, abs=1e-3)
    assert totals["change_pct"] == pytest.approx(-25, abs=0.01)
    districts = by(analysis.summary["tables"]["districts"])
    assert set(districts) == {"West", "East"}
    # F lies half in each district: 0.5 ha of it was lost in the West, 0.5 in the East.
    assert districts["West"]["lost_ha"] == pytest.approx(0.5, abs=1e-3)
    assert districts["West"]["gained_ha"] == pytest.approx(1, abs=1e-3)
    assert districts["West"]["kept_ha"] == pytest.approx(1, abs=1e-3)
    assert districts["West"]["change_pct"] == pytest.approx(100 * (2 - 1.5) / 1.5, abs=0.01)
    assert districts["East"]["lost_ha"] == pytest.approx(2.5, abs=1e-3)
    assert districts["East"]["gained_ha"] == pytest.approx(1, abs=1e-3)
    assert districts["East"]["change_pct"] == pytest.approx(-60, abs=0.01)


def test_land_change_says_what_the_lost_land_became(city, mona):
    build_land(city)

    analysis = run(mona, city, "land-change", year_from="2009", year_to="2019")

    became = {row["became"]: row["area_ha"] for row in analysis.summary["tables"]["became"]}
    assert became == {
        "MX Mixed use": pytest.approx(1, abs=1e-3),
        "No longer industrial land": pytest.approx(2, abs=1e-3),
    }


def test_land_change_draws_the_lost_and_gained_land_with_its_district(city, mona):
    build_land(city)

    analysis = run(mona, city, "land-change", year_from="2009", year_to="2019")

    lost = layer(analysis, "lost")
    assert sum(f["area_ha"] for f in lost) == pytest.approx(3, abs=1e-2)
    # One feature per district, category and fate: B and the east half of F are one.
    assert sorted((f["district"], f["area_ha"], f["became"]) for f in lost) == [
        ("East", pytest.approx(1, abs=1e-2), "MX"),
        ("East", pytest.approx(1.5, abs=1e-2), None),
        ("West", pytest.approx(0.5, abs=1e-2), None),
    ]
    gained = layer(analysis, "gained")
    gained_where = sorted((f["district"], f["category"]) for f in gained)
    assert gained_where == [("East", "MX"), ("West", "I1")]
    assert analysis.feature_count == 5
    assert analysis.data_versions["zones"] > 0 and analysis.data_versions["districts"] > 0


def test_land_outside_every_district_counts_for_the_city_in_a_row_of_its_own(city, mona):
    land = build_land(city)
    from cities.models import LandZone

    LandZone.objects.create(
        city=city, dataset=city.dataset, category=land.industry, name="G", protection="partial",
        reference_year=2009, geom=metric_box(3000, 3000, 200),
    )  # fmt: skip

    analysis = run(mona, city, "land-change", year_from="2009", year_to="2019")

    districts = by(analysis.summary["tables"]["districts"])
    assert districts["Outside the districts"]["lost_ha"] == pytest.approx(4, abs=1e-3)
    assert analysis.summary["totals"]["lost_ha"] == pytest.approx(7, abs=1e-3)


# ---- Density --------------------------------------------------------------------------

# Sites scattered at irregular offsets (none on a hexagon's edge), with their jobs.
SCATTER = [
    (130, 170, 4), (160, 140, 6), (145, 190, 1), (610, 220, 12), (640, 980, 3),
    (1210, 330, 25), (1230, 310, 5), (1710, 870, 8), (1890, 120, 2), (430, 520, 9),
]  # fmt: skip


def test_density_counts_each_site_in_the_postgis_hexagon_that_contains_it(city, mona):
    build_districts(city)
    for number, (x, y, jobs) in enumerate(SCATTER):
        site(city, f"s{number}", x, y, employees=jobs)

    analysis = run(mona, city, "density", cell_size="250", measure="sites")

    # PostGIS's own hexagon grid of the same size, as the reference binning.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT h.i, h.j, count(*)
            FROM cities_site s
            JOIN ST_HexagonGrid(250, ST_Expand(ST_Transform(s.geom, 3035), 1)) AS h
              ON ST_Intersects(h.geom, ST_Transform(s.geom, 3035))
            WHERE s.city_id = %s GROUP BY 1, 2
            """,
            [city.pk],
        )
        expected = {(i, j): n for i, j, n in cursor.fetchall()}
    cells = {(f["i"], f["j"]): f["sites"] for f in layer(analysis, "cells")}
    assert cells == expected
    assert sum(cells.values()) == 10 and max(cells.values()) > 1
    totals = analysis.summary["totals"]
    assert totals["sites"] == 10 and totals["jobs"] == sum(j for _, _, j in SCATTER)
    assert totals["cells"] == len(expected)
    assert totals["cell_ha"] == pytest.approx(1.5 * 3**0.5 * 250**2 / 1e4, abs=0.01)


def test_density_of_jobs_for_chosen_sectors_and_a_year(city, mona):
    build_districts(city)
    site(city, "food", 130, 170, sector=10, employees=40)
    site(city, "metal", 140, 160, sector=25, employees=7)
    site(city, "metal-closed", 150, 150, sector=25, employees=100, year_closed=2015)
    site(city, "metal-new", 160, 170, sector=25, employees=1000, year_opened=2021)

    analysis = run(mona, city, "density", cell_size="500", measure="jobs", sectors=["25"],
                   year="2012")  # fmt: skip

    (cell,) = layer(analysis, "cells")
    assert cell["value"] == 107 and cell["sites"] == 2
    (densest,) = analysis.summary["tables"]["densest"]
    assert densest["district"] == "West" and densest["value"] == 107


# ---- Clusters ---------------------------------------------------------------------------


@pytest.fixture(params=["dbscan", "grid"])
def formulation(request, monkeypatch):
    """Each clusters test runs with ST_ClusterDBSCAN and with the grid formulation."""
    monkeypatch.setattr(
        clusters, "GRID_FROM_OCCUPANCY", math.inf if request.param == "dbscan" else 0
    )
    return request.param


def test_clusters_finds_the_groups_of_firms_with_their_size_jobs_and_main_sectors(
    city, mona, formulation
):
    build_districts(city)
    for n, (x, y, sector) in enumerate([(100, 100, 10), (130, 100, 10), (160, 100, 10),
                                        (100, 130, 25), (130, 130, 25)]):  # fmt: skip
        site(city, f"west{n}", x, y, sector=sector, employees=10)
    for n, (x, y) in enumerate([(1500, 500), (1540, 500), (1500, 540), (1540, 540)]):
        site(city, f"east{n}", x, y, sector=25, employees=5)
    site(city, "alone", 800, 800, employees=99)
    site(city, "far", 1900, 100, employees=99)

    analysis = run(mona, city, "clusters", distance="100", min_points="4")

    totals = analysis.summary["totals"]
    assert totals == {
        "clusters": 2, "sites": 11, "clustered_sites": 9, "clustered_pct": 81.8,
        "clustered_jobs": 70,
    }  # fmt: skip
    first, second = analysis.summary["tables"]["clusters"]
    assert (first["number"], first["sites"], first["jobs"], first["district"]) == (1, 5, 50, "West")
    assert first["sectors"].startswith("10 ")  # three of its five sites make food
    assert (second["sites"], second["jobs"], second["district"]) == (4, 20, "East")
    assert second["area_ha"] == pytest.approx(0.16, abs=0.01)  # a 40 m square's hull
    hulls = layer(analysis, "clusters")
    assert [h["sites"] for h in hulls] == [5, 4]


def test_dense_groups_just_out_of_reach_stay_apart_and_a_border_site_joins(city, mona, formulation):
    build_districts(city)
    for n in range(5):  # two tight groups of five (dense cells), 105 m apart at the nearest
        site(city, f"a{n}", 100 + 2 * n, 100, employees=1)
        site(city, f"b{n}", 213 + 2 * n, 100, employees=1)
    site(city, "border", 100, 190, employees=7)  # 90 m from a0, alone: not itself core
    site(city, "stray", 100, 400, employees=50)

    analysis = run(mona, city, "clusters", distance="100", min_points="4")

    assert analysis.summary["totals"]["clusters"] == 2
    assert [(h["sites"], h["jobs"]) for h in layer(analysis, "clusters")] == [(6, 12), (5, 5)]


def test_a_cluster_in_a_line_is_still_drawn_as_an_area(city, mona, formulation):
    build_districts(city)
    for n in range(4):
        site(city, f"row{n}", 100 + 30 * n, 100)

    analysis = run(mona, city, "clusters", distance="50", min_points="3")

    (hull,) = analysis.features.filter(layer="clusters")
    assert hull.geom.geom_type in {"Polygon", "MultiPolygon"} and hull.geom.area > 0


# ---- Access to transport ------------------------------------------------------------------


def test_access_gives_the_share_of_sites_and_jobs_near_a_station_per_district(city, mona):
    build_districts(city)
    build_stations(city, (500, 500))
    site(city, "near-west", 800, 900, employees=10)  # 500 m away
    site(city, "far-east", 1700, 500, employees=30)  # 1,200 m away
    site(city, "near-east", 1100, 500, employees=20)  # 600 m away

    analysis = run(mona, city, "transport-access", layer="rail-stations", distance="800")

    totals = analysis.summary["totals"]
    assert (totals["sites"], totals["sites_near"], totals["sites_pct"]) == (3, 2, 66.7)
    assert (totals["jobs"], totals["jobs_near"], totals["jobs_pct"]) == (60, 30, 50.0)
    assert totals["stops"] == 1
    districts = by(analysis.summary["tables"]["districts"])
    assert (districts["West"]["sites_near"], districts["West"]["sites_pct"]) == (1, 100.0)
    assert (districts["East"]["sites"], districts["East"]["sites_pct"]) == (2, 50.0)
    assert districts["East"]["jobs_pct"] == pytest.approx(40.0)
    (beyond,) = layer(analysis, "beyond")
    assert beyond["name"] == "far-east" and beyond["district"] == "East"
    assert beyond["employees"] == 30
    assert beyond["distance_m"] == pytest.approx(1200, abs=1)


# ---- Sites at risk ------------------------------------------------------------------------


def test_sites_at_risk_are_the_open_ones_on_land_no_longer_zoned(city, mona):
    build_land(city)
    site(city, "in-kept-A", 150, 150, employees=5)
    site(city, "in-lost-B", 1150, 150, employees=12)
    site(city, "closed-in-B", 1160, 160, employees=50, year_closed=2015)
    site(city, "in-rezoned-E", 1550, 550, employees=3)  # still zoned, as MX
    site(city, "nowhere", 700, 700, employees=8)

    analysis = run(mona, city, "sites-at-risk", year_from="2009", year_to="2019")

    totals = analysis.summary["totals"]
    assert totals == {"sites": 1, "jobs": 12, "open_sites": 4, "share_pct": 25.0}
    (row,) = analysis.summary["tables"]["districts"]
    assert row == {"district": "East", "sites": 1, "jobs": 12}
    (at_risk,) = layer(analysis, "at_risk")
    assert at_risk["name"] == "in-lost-B" and at_risk["category"] == "I1 Industry"


# ---- No data ----------------------------------------------------------------------------


def land_change_run(user, city, year_to: int) -> Analysis:
    """A land change from 2009, asked for without the form (which would refuse 2030)."""
    analysis = analysis_request(
        user=user, city=city, kind=get_kind("land-change"),
        params={"year_from": 2009, "year_to": year_to},
    ).analysis  # fmt: skip
    job_execute(job_id=analysis.job_id)
    analysis.job.refresh_from_db()
    return analysis


def test_a_run_for_years_without_data_fails_saying_so_and_draws_nothing(city, mona):
    build_land(city)

    analysis = land_change_run(mona, city, 2030)

    assert analysis.job.status == Job.Status.FAILED
    assert "has no industrial land data for 2030" in analysis.job.message
    assert not analysis.features.exists()


def test_a_run_that_exceeds_its_time_limit_fails_with_a_message_saying_so(city, mona, settings):
    build_land(city)
    settings.ANALYSIS_TIME_LIMIT = 0

    analysis = land_change_run(mona, city, 2019)

    assert analysis.job.status == Job.Status.FAILED
    assert "longer than its time limit (0 seconds)" in analysis.job.message
    assert not analysis.features.exists()
