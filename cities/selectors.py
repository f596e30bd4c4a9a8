"""Reads of the spatial base: querysets and SQL-built GeoJSON."""

from django.db import connection
from django.db.models import Count, QuerySet

from cities.models import City, District


def city_list() -> QuerySet[City]:
    return (
        City.objects.select_related("dataset")
        .annotate(district_count=Count("districts"))
        .defer("outline")
        .order_by("name")
    )


def district_list(*, city: City | None = None) -> QuerySet[District]:
    qs = District.objects.select_related("city", "dataset").order_by("city__slug", "name")
    if city is not None:
        qs = qs.filter(city=city)
    return qs


# The whole layer as one FeatureCollection, assembled by PostGIS (json_agg), not
# by serialising model instances. Coordinates to 6 decimals (about 10 cm).
_DISTRICTS_GEOJSON_SQL = """
SELECT json_build_object(
  'type', 'FeatureCollection',
  'features', COALESCE(json_agg(ST_AsGeoJSON(f.*, 'geom', 6)::json ORDER BY f.name), '[]'::json)
)::text
FROM (
  SELECT d.id, d.slug, d.name, round(d.area_km2::numeric, 2) AS area_km2, d.geom
  FROM cities_district d
  WHERE d.city_id = %(city)s
    AND (%(west)s::float8 IS NULL
         OR d.geom && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326))
) AS f
"""


def districts_geojson(*, city: City, bbox: tuple[float, float, float, float] | None = None) -> str:
    with connection.cursor() as cursor:
        west, south, east, north = bbox or (None, None, None, None)
        params = {"city": city.pk, "west": west, "south": south, "east": east, "north": north}
        cursor.execute(_DISTRICTS_GEOJSON_SQL, params)
        return cursor.fetchone()[0]
