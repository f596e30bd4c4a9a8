"""Writes to the spatial base. Each is one transaction; callers are pages, tasks and commands."""

from django.db import connection, transaction

from cities.models import METRIC_SRID, City

# Only rows whose value changes are written, so refreshing twice is a no-op.
_DISTRICT_AREAS_SQL = """
UPDATE cities_district
SET area_km2 = ST_Area(ST_Transform(geom, %(srid)s)) / 1e6
WHERE city_id = %(city)s
  AND area_km2 IS DISTINCT FROM ST_Area(ST_Transform(geom, %(srid)s)) / 1e6
"""
_CITY_AREA_SQL = """
UPDATE cities_city
SET area_km2 = ST_Area(ST_Transform(outline, %(srid)s)) / 1e6
WHERE id = %(city)s
  AND area_km2 IS DISTINCT FROM ST_Area(ST_Transform(outline, %(srid)s)) / 1e6
"""


@transaction.atomic
def city_refresh_areas(*, city: City) -> dict[str, int]:
    """Compute the areas of a city and its districts in km², on an equal-area projection."""
    params = {"city": city.pk, "srid": METRIC_SRID}
    with connection.cursor() as cursor:
        cursor.execute(_DISTRICT_AREAS_SQL, params)
        districts = cursor.rowcount
        cursor.execute(_CITY_AREA_SQL, params)
        cities = cursor.rowcount
    city.refresh_from_db(fields=["area_km2"])
    return {"districts_updated": districts, "city_updated": cities}
