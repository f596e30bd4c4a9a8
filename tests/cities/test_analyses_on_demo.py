"""Every analysis on each of the three demo cities agrees with the plain PostGIS answer.

The hand-worked tests (test_analyses.py) prove each kind on a small city; these run them
on Brussels, London and Rotterdam-The Hague as loaded by `load_demo` (5,000 sites each, real
district names, two years of zoning, stations), and check their totals against the direct
formulation of the same question.
"""

import pytest
from django.db import connection

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
