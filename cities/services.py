"""Writes to the spatial base. Each is one transaction; callers are pages, tasks and commands."""

from django.db import connection, transaction

from cities.models import METRIC_SRID, City

# Only rows whose value changes are written, so refreshing twice is a no-op.
_DISTRICT_AREAS_SQL = f"""
UPDATE cities_district
SET area_km2 = ST_Area(ST_Transform(geom, {METRIC_SRID})) / 1e6
WHERE city_id = %s
  AND area_km2 IS DISTINCT FROM ST_Area(ST_Transform(geom, {METRIC_SRID})) / 1e6
"""
_CITY_AREA_SQL = f"""
UPDATE cities_city
SET area_km2 = ST_Area(ST_Transform(outline, {METRIC_SRID})) / 1e6
WHERE id = %s
  AND area_km2 IS DISTINCT FROM ST_Area(ST_Transform(outline, {METRIC_SRID})) / 1e6
"""


@transaction.atomic
def city_refresh_areas(*, city: City) -> dict[str, int]:
    """Compute the areas of a city and its districts in km², on an equal-area projection."""
    with connection.cursor() as cursor:
        cursor.execute(_DISTRICT_AREAS_SQL, [city.pk])
        districts = cursor.rowcount
        cursor.execute(_CITY_AREA_SQL, [city.pk])
        cities = cursor.rowcount
    city.refresh_from_db(fields=["area_km2"])
    return {"districts_updated": districts, "city_updated": cities}
