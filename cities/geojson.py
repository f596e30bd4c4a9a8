"""GeoJSON for the small map layers, assembled by PostGIS (json_agg), never row by row.

Each function returns the FeatureCollection as text, ready to send. Coordinates
are rounded to 6 decimals (about 10 cm). Every query is limited to one city and
takes an optional WGS84 bbox.
"""

from django.db import connection

from cities.layers import Layer, LayerFilters
from cities.models import Activity, City
from cities.visibility import embargo_clause

BBox = tuple[float, float, float, float] | None

# `inner` selects the features' columns, a `geom` column among them; its WHERE
# clause must end with {bbox} so the optional bbox filter can be added.
_COLLECTION = """
SELECT json_build_object(
  'type', 'FeatureCollection',
  'features', COALESCE(json_agg(ST_AsGeoJSON(f.*, 'geom', 6)::json ORDER BY f.id), '[]'::json)
)::text
FROM ({inner}) AS f
"""
_BBOX = "AND {column} && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)"


def _collection(inner: str, params: dict, bbox: BBox, column: str) -> str:
    if bbox is not None:
        west, south, east, north = bbox
        params = {**params, "west": west, "south": south, "east": east, "north": north}
        inner = inner.format(bbox=_BBOX.format(column=column))
    else:
        inner = inner.format(bbox="")
    with connection.cursor() as cursor:
        cursor.execute(_COLLECTION.format(inner=inner), params)
        return cursor.fetchone()[0]


def layer_geojson(layer: Layer, filters: LayerFilters) -> str:
    """Any layer of the catalogue as one FeatureCollection (for the map's small layers)."""
    sql, params = layer.rows(filters)
    with connection.cursor() as cursor:
        cursor.execute(_COLLECTION.format(inner=sql), params)
        return cursor.fetchone()[0]


def zones_lost_geojson(*, city: City, since: int, until: int, bbox: BBox = None) -> str:
    """Land that was industrial in `since` and is not in `until`, one feature per piece."""
    return _collection(
        """
        SELECT row_number() OVER () AS id,
               round((ST_Area(piece.geom::geography) / 1e4)::numeric, 1) AS area_ha,
               %(since)s AS since, %(until)s AS until, piece.geom
        FROM (
          SELECT (ST_Dump(ST_Difference(
                    (SELECT ST_Union(geom) FROM cities_landzone
                     WHERE city_id = %(city)s AND reference_year = %(since)s AND {open}),
                    COALESCE((SELECT ST_Union(geom) FROM cities_landzone
                              WHERE city_id = %(city)s AND reference_year = %(until)s AND {open}),
                             'GEOMETRYCOLLECTION EMPTY'::geometry)))).geom AS geom
        ) AS piece
        WHERE ST_Area(piece.geom::geography) > 100 {bbox}
        """.replace("{open}", embargo_clause("dataset_id")),
        {"city": city.pk, "since": since, "until": until, "readable": []},
        bbox,
        "piece.geom",
    )


def flows_geojson(*, city: City, year: int, bbox: BBox = None) -> str:
    """Flows that start or end in a district, placed there (flows between activities are not)."""
    return _collection(
        """
        SELECT f.id, m.code AS material, f.tonnes, f.year,
               COALESCE(o.name, f.origin_activity) AS origin,
               COALESCE(d.name, f.destination_activity) AS destination,
               ST_PointOnSurface(COALESCE(o.geom, d.geom)) AS geom
        FROM cities_materialflow f
        JOIN cities_materialcategory m ON m.id = f.material_id
        LEFT JOIN cities_district o ON o.id = f.origin_district_id
        LEFT JOIN cities_district d ON d.id = f.destination_district_id
        WHERE f.city_id = %(city)s AND f.year = %(year)s
          AND COALESCE(o.geom, d.geom) IS NOT NULL AND {open} {bbox}
        """.replace("{open}", embargo_clause("f.dataset_id")),
        {"city": city.pk, "year": year, "readable": []},
        bbox,
        "COALESCE(o.geom, d.geom)",
    )


def flow_links(*, city: City, year: int, material: str | None = None) -> list[dict]:
    """Tonnes between each origin and destination, summed over materials (for the Sankey)."""
    labels = dict(Activity.choices)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COALESCE(o.name, f.origin_activity), o.id IS NOT NULL,
                   COALESCE(d.name, f.destination_activity), d.id IS NOT NULL,
                   sum(f.tonnes)
            FROM cities_materialflow f
            JOIN cities_materialcategory m ON m.id = f.material_id
            LEFT JOIN cities_district o ON o.id = f.origin_district_id
            LEFT JOIN cities_district d ON d.id = f.destination_district_id
            WHERE f.city_id = %(city)s AND f.year = %(year)s
              AND (%(material)s::text IS NULL OR m.code = %(material)s) AND {open}
            GROUP BY 1, 2, 3, 4
            ORDER BY 5 DESC
            """.replace("{open}", embargo_clause("f.dataset_id")),
            {"city": city.pk, "year": year, "material": material, "readable": []},
        )
        rows = cursor.fetchall()
    return [
        {
            "from": origin if origin_is_district else str(labels.get(origin, origin)),
            "to": destination
            if destination_is_district
            else str(labels.get(destination, destination)),
            "tonnes": round(tonnes),
        }
        for origin, origin_is_district, destination, destination_is_district, tonnes in rows
    ]
