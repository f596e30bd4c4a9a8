"""A city that came in through the import pipeline, in Belgian Lambert 72 metres, gets all
five analyses, with results worked out by hand from the files.

The city (2 km by 1 km) has two districts, West and East. Industrial land: a 4 ha square in
each district in 2009; in 2019 only West's is left. Four workshops (jobs): A (5) on West's
land, D (3) elsewhere in West, B (12) on East's lost land, C (8) elsewhere in East. One
station stands between A and D.
"""

import json

import pyarrow as pa
import pytest

from cities.models import Analysis, City, District, Import, Site
from tests.cities.analysis_fixtures import layer, run
from tests.cities.gis_io import samples
from tests.cities.gis_io.pipeline import commit, report, upload, validate

pytestmark = pytest.mark.django_db

X, Y = 150_000, 170_000  # the city's south-west corner, in EPSG:31370
LAMBERT = "urn:ogc:def:crs:EPSG::31370"
WORKSHOPS = {  # ref: (name, jobs, x, y), in metres from the corner
    "A": ("Atelier A", 5, 300, 300),
    "D": ("Atelier D", 3, 700, 700),
    "B": ("Atelier B", 12, 1300, 300),
    "C": ("Atelier C", 8, 1800, 800),
}
STATION = (500, 500)


def box(x: float, y: float, width: float, height: float) -> dict:
    ring = [(X + x, Y + y), (X + x + width, Y + y), (X + x + width, Y + y + height),
            (X + x, Y + y + height), (X + x, Y + y)]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


def geojson(path, features: list[tuple[dict, dict]]):
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": LAMBERT}},
        "features": [
            {"type": "Feature", "properties": props, "geometry": geom} for geom, props in features
        ],
    }
    path.write_text(json.dumps(collection))
    return path


def imported(imp: Import) -> Import:
    assert imp.errors == 0, report(imp)
    imp = commit(imp)
    assert imp.stage == Import.Stage.DONE, report(imp)
    return imp


@pytest.fixture
def newtown(tmp_path) -> City:
    """Newtown, from six files, each through inspect, map, validate and commit."""
    options = {"name": "Newtown", "short_name": "Newtown", "slug": "newtown", "country": "BE"}
    outline = geojson(tmp_path / "outline.geojson", [(box(0, 0, 2000, 1000), {"name": "Newtown"})])
    imported(validate(upload(outline, "city", options=options)))
    city = City.objects.get(slug="newtown")

    districts = geojson(
        tmp_path / "districts.geojson",
        [(box(0, 0, 1000, 1000), {"name": "West", "code": "W"}),
         (box(1000, 0, 1000, 1000), {"name": "East", "code": "E"})],
    )  # fmt: skip
    imported(validate(upload(districts, "districts", city)))

    for year, zones in ((2009, ("W", "E")), (2019, ("W",))):
        squares = {"W": box(200, 200, 200, 200), "E": box(1200, 200, 200, 200)}
        path = geojson(
            tmp_path / f"zones-{year}.geojson",
            [
                (squares[z], {"id": f"{z}{year}", "affectation": "ind", "statut": "non"})
                for z in zones
            ],
        )
        imp = upload(path, "zones", city)
        imp = validate(imp, fields={"protection": "statut"}, fixed={"reference_year": str(year)})
        imported(validate(imp, create_categories=True))

    sites = tmp_path / "workshops.gpkg"
    table = pa.table(
        {
            "ref": list(WORKSHOPS),
            "name": [w[0] for w in WORKSHOPS.values()],
            "nace": ["25.62"] * len(WORKSHOPS),
            "staff": pa.array([w[1] for w in WORKSHOPS.values()], pa.int32()),
            "geometry": pa.array(
                [samples.point(X + w[2], Y + w[3]) for w in WORKSHOPS.values()], pa.binary()
            ),
        }
    )
    samples._write(
        table, sites, driver="GPKG", layer="workshops", geometry_type="Point", crs="EPSG:31370"
    )
    imported(validate(upload(sites, "sites", city)))

    point = {"type": "Point", "coordinates": [X + STATION[0], Y + STATION[1]]}
    stations = geojson(tmp_path / "stations.geojson", [(point, {"name": "Newtown Centraal"})])
    imp = upload(
        stations, "context", city, options={"layer_name": "Stations", "layer_slug": "stations"}
    )
    imported(validate(imp))
    return city


def by_district(analysis: Analysis) -> dict[str, dict]:
    return {row["district"]: row for row in analysis.summary["tables"]["districts"]}


def test_every_analysis_runs_on_a_city_that_came_in_through_the_import_pipeline(newtown, mona):
    assert District.objects.filter(city=newtown).count() == 2
    assert Site.objects.filter(city=newtown).count() == 4

    change = run(mona, newtown, "land-change", year_from="2009", year_to="2019")
    districts = by_district(change)
    # Lambert 72 is conformal and the analyses measure in EPSG:3035: the same 4 ha, to 0.5 %.
    assert districts["East"]["lost_ha"] == pytest.approx(4, rel=0.005)
    assert districts["West"]["kept_ha"] == pytest.approx(4, rel=0.005)
    assert districts["West"]["lost_ha"] == 0 and districts["East"]["kept_ha"] == 0
    assert [f["district"] for f in layer(change, "lost")] == ["East"]

    density = run(mona, newtown, "density", cell_size="500", measure="sites")
    assert sum(f["value"] for f in layer(density, "cells")) == 4

    # 900 m: D-B (721 m) and B-C (707 m) join; A-D (566 m) brings A in; A-B is 1,000 m.
    clusters = run(mona, newtown, "clusters", distance="900", min_points="3")
    (cluster,) = layer(clusters, "clusters")
    assert (cluster["sites"], cluster["jobs"]) == (4, 28)

    access = run(mona, newtown, "transport-access", layer="stations", distance="800")
    districts = by_district(access)
    assert (districts["West"]["sites_near"], districts["West"]["jobs_pct"]) == (2, 100.0)
    assert (districts["East"]["sites_near"], districts["East"]["jobs_near"]) == (0, 0)
    beyond = {f["name"]: f for f in layer(access, "beyond")}
    assert set(beyond) == {"Atelier B", "Atelier C"}
    assert beyond["Atelier B"]["distance_m"] == pytest.approx(825, rel=0.01)  # (800, 200)

    at_risk = run(mona, newtown, "sites-at-risk", year_from="2009", year_to="2019")
    assert (at_risk.summary["totals"]["sites"], at_risk.summary["totals"]["jobs"]) == (1, 12)
    (site,) = layer(at_risk, "at_risk")
    assert (site["name"], site["district"], site["employees"]) == ("Atelier B", "East", 12)
