"""Every analysis on each of the three demo cities agrees with the plain PostGIS answer.

The hand-worked tests (test_analyses.py) prove each kind on a small city; these run them
on Brussels, London and Rotterdam-The Hague as loaded by `load_demo` (5,000 sites each, real
district names, two years of zoning, stations), and check their totals against the direct
formulation of the same question.
"""

import math
import time

import pytest
from django.db import connection, transaction

from cities.analyses import clusters
from cities.analyses.base import Run
from cities.analyses.inputs import sites_where
from cities.models import City, ContextLayer
from tests.cities.analysis_fixtures import run

CITIES = ["brussels", "london", "rotterdam-the-hague"]
OPEN = "s.city_id = %(city)s AND s.year_closed IS NULL"
ZONED = """EXISTS (SELECT 1 FROM cities_landzone z WHERE z.city_id = %(city)s
                   AND z.reference_year = {year} AND ST_Intersects(z.geom, s.geom))"""


def totals(user, city, kind: str, **data) -> dict:
    return run(user, city, kind, **data).summary["totals"]


def one(sql: str, city: City) -> float:
    with connection.cursor() as cursor:
        cursor.execute(sql, {"city": city.pk})
        return cursor.fetchone()[0]


@pytest.mark.parametrize("slug", CITIES)
def test_each_analysis_agrees_with_the_direct_postgis_answer_on_a_demo_city(demo, slug, mona):
    city = City.objects.get(slug=slug)
    open_sites = one(f"SELECT count(*) FROM cities_site s WHERE {OPEN}", city)
    assert open_sites > 1000

    density = totals(mona, city, "density", cell_size="500", measure="sites")
    assert density["sites"] == open_sites

    clusters = totals(mona, city, "clusters", distance="200", min_points="10")
    clustered = one(
        f"""SELECT count(k) FROM (
              SELECT ST_ClusterDBSCAN(ST_Transform(s.geom, 3035), 200, 10) OVER () AS k
              FROM cities_site s WHERE {OPEN}) AS c""",
        city,
    )
    assert clusters["clustered_sites"] == clustered > 0

    layer = ContextLayer.objects.get(city=city, slug="stations")
    access = totals(mona, city, "transport-access", layer="stations", distance="800")
    near = one(
        f"""SELECT count(*) FROM cities_site s WHERE {OPEN} AND EXISTS (
              SELECT 1 FROM cities_contextfeature f WHERE f.layer_id = {layer.pk}
              AND ST_DWithin(ST_Transform(f.geom, 3035), ST_Transform(s.geom, 3035), 800))""",
        city,
    )
    assert (access["sites"], access["sites_near"]) == (open_sites, near)

    at_risk = totals(mona, city, "sites-at-risk", year_from="2009", year_to="2019")
    risky = one(
        f"SELECT count(*) FROM cities_site s WHERE {OPEN} AND {ZONED.format(year=2009)}"
        f" AND NOT {ZONED.format(year=2019)}",
        city,
    )
    assert at_risk["sites"] == risky > 0

    change = totals(mona, city, "land-change", year_from="2009", year_to="2019")
    lost = one(
        """SELECT ST_Area(ST_Difference(
                 (SELECT ST_Union(ST_Transform(geom, 3035)) FROM cities_landzone
                  WHERE city_id = %(city)s AND reference_year = 2009),
                 (SELECT ST_Union(ST_Transform(geom, 3035)) FROM cities_landzone
                  WHERE city_id = %(city)s AND reference_year = 2019))) / 1e4""",
        city,
    )
    assert change["lost_ha"] == pytest.approx(lost, abs=0.1) and lost > 0


# Checked against the grid's working tables: DBSCAN's labels of the same points, and which
# points are core (at least min_points sites within reach, itself included), counted plainly.
_AGAINST_DBSCAN = """
CREATE TEMP TABLE t_dbscan ON COMMIT DROP AS
SELECT id, ST_ClusterDBSCAN(g, %(distance)s, %(min_points)s) OVER () AS k FROM cl_points;
CREATE TEMP TABLE t_core ON COMMIT DROP AS
SELECT p.id FROM cl_points p
WHERE (SELECT count(*) FROM cl_points q WHERE ST_DWithin(q.g, p.g, %(distance)s))
      >= %(min_points)s;
"""
_DIFFERENCES = """
SELECT
  (SELECT count(*) FROM cl_sites g JOIN t_dbscan d USING (id)
   WHERE (g.cluster IS NULL) <> (d.k IS NULL)) AS membership,
  (SELECT count(*) FROM (SELECT g.cluster FROM cl_sites g JOIN t_core USING (id)
                         JOIN t_dbscan d USING (id)
                         GROUP BY g.cluster HAVING count(DISTINCT d.k) > 1) AS x) AS merged,
  (SELECT count(*) FROM (SELECT d.k FROM cl_sites g JOIN t_core USING (id)
                         JOIN t_dbscan d USING (id)
                         GROUP BY d.k HAVING count(DISTINCT g.cluster) > 1) AS x) AS split,
  (SELECT count(*) FROM cl_sites b WHERE b.cluster IS NOT NULL
     AND b.id NOT IN (SELECT id FROM t_core)
     AND NOT EXISTS (SELECT 1 FROM cl_sites c JOIN t_core USING (id)
                     WHERE c.cluster = b.cluster
                       AND ST_DWithin(c.g, b.g, %(distance)s))) AS border_astray,
  (SELECT count(DISTINCT k) FROM t_dbscan) AS clusters,
  (SELECT count(*) FROM t_core) AS core
"""


@pytest.mark.parametrize("slug", CITIES)
@pytest.mark.parametrize(("distance", "min_points"), [(300, 10), (100, 5), (50, 3)])
def test_clusters_on_the_grid_are_those_of_postgis_dbscan(demo, slug, distance, min_points, mona):
    """The grid formulation (used where cells are crowded) finds DBSCAN's
    clusters on each demo city: the same sites clustered, the same core points together, and
    each border site within reach of a core point of its cluster (a border site near two
    clusters may join either, in DBSCAN as here)."""
    city = City.objects.get(slug=slug)
    analysis = run(mona, city, "clusters", distance=str(distance), min_points=str(min_points))
    params = {"distance": distance, "min_points": min_points,
              "cell": distance / math.sqrt(2) * (1 - 1e-9)}  # fmt: skip
    where, values = sites_where(analysis.params)

    with transaction.atomic(), connection.cursor() as cursor:
        # The run's working tables are still here: the test's transaction never committed.
        cursor.execute("DISCARD TEMP")
        grid = Run(analysis, cursor, report=lambda *_: None, deadline=time.monotonic() + 60)
        grid.sql(clusters._POINTS.format(where=where), {**params, **values})
        clusters._grid_clusters(grid, params)
        grid.sql(_AGAINST_DBSCAN, params)
        differences = grid.one(_DIFFERENCES, params)

    assert differences.pop("clusters") == analysis.summary["totals"]["clusters"] > 5
    assert differences.pop("core") > 0
    assert differences == {"membership": 0, "merged": 0, "split": 0, "border_astray": 0}
