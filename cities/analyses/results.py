"""Reading a result back: its tables for the page, its features as GeoJSON and tiles.

A layer is either features of its own (`cities_analysisfeature`: lost land, hexagons,
hulls) or a selection of the city's sites (`cities_analysissite`, joined to `cities_site`
for the geometry, name and sector). Both are read here, by the same queries.
"""

import json
from collections.abc import Iterator

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from cities.analyses.base import AnalysisKind, ResultLayer, Table, count_layers, get_kind
from cities.models import Analysis, City, Job

BATCH = 2000
EXTENT = 4096
BUFFER = 64


def feature_counts(analysis: Analysis) -> dict[str, int]:
    """Each layer's size, as the run counted it (results stored before that are counted)."""
    counts = (analysis.summary or {}).get("layer_counts")
    if counts is None:
        with connection.cursor() as cursor:
            counts = count_layers(cursor, analysis.pk)
    return counts


def table_rows(table: Table, summary: dict) -> list[list[tuple[str, object]]]:
    """Each row as (column type, value) cells, in the table's column order."""
    rows = summary.get("tables", {}).get(table.key) or []
    return [[(column.type, row.get(column.key)) for column in table.columns] for row in rows]


def geojson_chunks(analysis: Analysis, kind: AnalysisKind, layer: str | None) -> Iterator[bytes]:
    """A FeatureCollection built by PostGIS, sent in batches from a server-side cursor."""
    head = {
        "type": "FeatureCollection",
        "name": f"{analysis.city.slug}-{analysis.kind}-{analysis.pk}",
        "analysis": {
            "id": analysis.pk,
            "kind": analysis.kind,
            "title": str(kind.title),
            "city": analysis.city.slug,
            "parameters": analysis.params,
            "data_versions": analysis.data_versions,
        },
    }
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n').encode()
    sql = """
        SELECT feature FROM (
          SELECT f.layer, f.id, json_build_object(
            'type', 'Feature', 'id', f.id,
            'geometry', ST_AsGeoJSON(f.geom, 6)::json,
            'properties', jsonb_build_object('layer', f.layer) || f.properties)::text AS feature
          FROM cities_analysisfeature f
          WHERE f.analysis_id = %(analysis)s AND (%(layer)s::text IS NULL OR f.layer = %(layer)s)
          UNION ALL
          SELECT a.layer, a.site_id, json_build_object(
            'type', 'Feature', 'id', a.site_id,
            'geometry', ST_AsGeoJSON(s.geom, 6)::json,
            'properties', jsonb_build_object(
              'layer', a.layer, 'site', s.id, 'name', s.name, 'sector', s.sector_id,
              'employees', s.employees) || a.properties)::text
          FROM cities_analysissite a JOIN cities_site s ON s.id = a.site_id
          WHERE a.analysis_id = %(analysis)s AND (%(layer)s::text IS NULL OR a.layer = %(layer)s)
        ) AS f
        ORDER BY f.layer, f.id
    """
    first = True
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, {"analysis": analysis.pk, "layer": layer})
        while rows := cursor.fetchmany(BATCH):
            text = ",\n".join(row[0] for row in rows)
            yield (text if first else ",\n" + text).encode()
            first = False
    yield b"\n]}\n"


# Sites are thinned at low zooms as the city map's site tiles are (min_zoom).
_TILE = f"""
SELECT ST_AsMVT(t.*, 'result', {EXTENT}, 'geom') FROM (
  SELECT f.id, f.layer, (f.properties ->> 'value')::float8 AS value,
         f.properties ->> 'district' AS district, f.properties ->> 'name' AS name,
         ST_AsMVTGeom(f.geom_3857, ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {EXTENT}, {BUFFER}, true)
           AS geom
  FROM cities_analysisfeature f
  WHERE f.analysis_id = %(analysis)s AND f.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s)
  UNION ALL
  SELECT s.id, a.layer, NULL, a.properties ->> 'district', s.name,
         ST_AsMVTGeom(s.geom_3857, ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {EXTENT}, {BUFFER}, true)
  FROM cities_site s JOIN cities_analysissite a
    ON a.analysis_id = %(analysis)s AND a.site_id = s.id
  WHERE s.city_id = %(city)s AND s.min_zoom <= %(z)s
    AND s.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s)
) AS t
"""  # noqa: S608 (constants only)


def result_tile(analysis: Analysis, z: int, x: int, y: int) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(
            _TILE, {"analysis": analysis.pk, "city": analysis.city_id, "z": z, "x": x, "y": y}
        )
        return bytes(cursor.fetchone()[0] or b"")


def layer_config(analysis: Analysis, layer: ResultLayer, summary: dict, large: bool) -> dict:
    """How a map draws one layer of a result: from its GeoJSON, or its tiles when large."""
    args = {"slug": analysis.city.slug, "pk": analysis.pk}
    config = {
        "key": layer.key,
        "label": str(layer.label),
        "colour": layer.colour,
        "shape": layer.shape,
        "breaks": summary.get("breaks", []) if layer.graduated else [],
    }
    if large:
        config["tiles"] = reverse(
            "cities:analysis-tile", kwargs={**args, "z": 0, "x": 0, "y": 0}
        ).replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")
    else:
        config["url"] = reverse("cities:analysis-geojson", kwargs=args) + f"?layer={layer.key}"
    return config


def published_layers(city: City) -> list[dict]:
    """The city map's overlays: every layer of every published result of the city."""
    results = (
        Analysis.objects.filter(city=city, published_at__isnull=False, feature_count__gt=0)
        .select_related("job")
        .only("id", "kind", "params", "summary", "feature_count", "published_at", "job__status")
        .order_by("-published_at")[:20]
    )
    overlays = []
    for analysis in results:
        kind = get_kind(analysis.kind)
        if kind is None or analysis.job.status != Job.Status.SUCCEEDED:
            continue
        large = analysis.feature_count > settings.ANALYSIS_GEOJSON_MAX_FEATURES
        analysis.city = city
        counts = (analysis.summary or {}).get("layer_counts")
        for layer in kind.layers:
            if counts is not None and not counts.get(layer.key):
                continue  # an empty layer (no land gained, say) is no overlay
            config = layer_config(analysis, layer, analysis.summary or {}, large)
            config["key"] = f"analysis-{analysis.pk}-{layer.key}"
            config["layer"] = layer.key
            config["label"] = f"{layer.label} ({kind.title}, #{analysis.pk})"
            config["page"] = analysis.get_absolute_url()
            overlays.append(config)
    return overlays
