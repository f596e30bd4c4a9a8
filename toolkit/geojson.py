"""Case studies as GeoJSON for the city maps, built by PostGIS."""

from django.db import connection

from cities.models import City


def case_studies_geojson(city: City) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT json_build_object(
              'type', 'FeatureCollection',
              'features', COALESCE(json_agg(ST_AsGeoJSON(f.*, 'location', 6)::json ORDER BY f.id),
                                   '[]'::json))::text
            FROM (
              SELECT c.id, c.slug, COALESCE(NULLIF(c.title_en, ''), c.title) AS name,
                     '/case-studies/' || c.slug || '/' AS url, c.location
              FROM toolkit_casestudy c
              WHERE c.city_id = %s AND c.status = 'published'
            ) AS f
            """,
            [city.pk],
        )
        return cursor.fetchone()[0]
