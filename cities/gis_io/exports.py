"""Any layer of the catalogue as a file: GeoJSON, CSV, GeoPackage or FlatGeobuf, in bounded memory.

GeoJSON and CSV stream straight from PostgreSQL (a server-side cursor, COPY for
CSV) as they are read. GeoPackage and FlatGeobuf are files with indexes that
must be complete before they can be sent: they are written batch by batch by
GDAL (pyogrio, from Arrow batches) into a temporary file, then streamed. Every
file carries its licence and provenance: a top-level member in GeoJSON, the
metadata tables and layer description in a GeoPackage, the layer metadata in
FlatGeobuf.
"""

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.http import QueryDict
from django.urls import reverse

from cities.layers import Layer, LayerFilters, get_layer, layer_provenance, layers
from cities.models import City

BATCH = 20_000


@dataclass(frozen=True)
class Format:
    slug: str
    label: str
    content_type: str
    extension: str
    driver: str | None = None  # GDAL writes the file formats


FORMATS: dict[str, Format] = {
    f.slug: f
    for f in (
        Format("geojson", "GeoJSON", "application/geo+json", "geojson"),
        Format("csv", "CSV", "text/csv; charset=utf-8", "csv"),
        Format("gpkg", "GeoPackage", "application/geopackage+sqlite3", "gpkg", "GPKG"),
        Format("fgb", "FlatGeobuf", "application/flatgeobuf", "fgb", "FlatGeobuf"),
    )
}


def export_filename(layer: Layer, filters: LayerFilters, fmt: Format) -> str:
    """`<city>-<layer>[-<year>]-<date>.<ext>`, e.g. brussels-sites-2026-12-02.gpkg."""
    parts = [filters.city.slug if filters.city else "all-cities", layer.slug]
    if filters.part:
        parts.append(filters.part)
    if filters.year:
        parts.append(str(filters.year))
    if filters.dataset:
        parts.append(filters.dataset.slug)
    return "-".join([*parts, date.today().isoformat()]) + f".{fmt.extension}"


def _ordered(layer: Layer, filters: LayerFilters) -> tuple[str, dict]:
    sql, params = layer.rows(filters)
    return f"SELECT * FROM ({sql}) AS t ORDER BY t.id", params


def _fetch(sql: str, params: dict) -> Iterator[list[tuple]]:
    """Batches of rows from a server-side cursor, in a transaction of their own."""
    with transaction.atomic():
        with connection.cursor() as settings_cursor:
            # JIT compilation costs more than it saves on one ordered scan.
            settings_cursor.execute("SET LOCAL jit = off")
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(BATCH):
                yield rows


# ---- GeoJSON -----------------------------------------------------------------------------


def geojson_chunks(layer: Layer, filters: LayerFilters) -> Iterator[bytes]:
    sql, params = layer.rows(filters)
    features = f"""
        SELECT json_build_object(
          'type', 'Feature', 'id', t.id,
          'geometry', ST_AsGeoJSON(t.geom, 7)::json,
          'properties', to_jsonb(t) - 'geom' - 'id')::text
        FROM ({sql}) AS t ORDER BY t.id
    """
    provenance = layer_provenance(layer, filters)
    head = {
        "type": "FeatureCollection",
        "name": provenance["title"],
        "licence": provenance["licence"],
        "attribution": provenance["attribution"],
        "provenance": provenance,
    }
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n').encode()
    first = True
    for rows in _fetch(features, params):
        text = ",\n".join(row[0] for row in rows)
        yield (text if first else ",\n" + text).encode()
        first = False
    yield b"\n]}\n"


# ---- CSV -----------------------------------------------------------------------------------


def csv_chunks(layer: Layer, filters: LayerFilters, *, geometry: str = "wkt") -> Iterator[bytes]:
    """CSV by COPY: geometry as a WKT column, or as longitude and latitude (point layers)."""
    sql, params = layer.rows(filters)
    columns = ", ".join(
        f"t.{name}::text AS {name}" if f.type == "json" else f"t.{name}"
        for f in layer.fields
        for name in [f.name]
    )
    if geometry == "lonlat":
        shape = (
            "round(ST_X(ST_PointOnSurface(t.geom))::numeric, 7) AS longitude,"
            " round(ST_Y(ST_PointOnSurface(t.geom))::numeric, 7) AS latitude"
        )
    else:
        shape = "ST_AsText(t.geom, 7) AS wkt"
    query = f"SELECT t.id, {columns}, {shape} FROM ({sql}) AS t ORDER BY t.id"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        with cursor.cursor.copy(
            f"COPY ({_bind(cursor, query, params)}) TO STDOUT WITH (FORMAT csv, HEADER)"
        ) as copy:
            yield "\ufeff".encode()  # a BOM, so spreadsheet programs read UTF-8
            for data in copy:
                yield bytes(data)


def _bind(cursor, query: str, params: dict) -> str:
    """COPY takes no parameters: bind them client-side, quoted by the driver."""
    return cursor.cursor.mogrify(query, params)


# ---- GeoPackage and FlatGeobuf -----------------------------------------------------------------


def _arrow_schema(layer: Layer):
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "json": pa.string(),
    }
    fields = [pa.field("id", pa.int64())]
    fields += [pa.field(f.name, types[f.type]) for f in layer.fields]
    fields.append(
        pa.field("geometry", pa.binary(), metadata={"ARROW:extension:name": "geoarrow.wkb"})
    )
    return pa.schema(fields)


def _batches(layer: Layer, filters: LayerFilters, schema) -> Iterator:
    import pyarrow as pa

    sql, params = layer.rows(filters)
    json_fields = [f.name for f in layer.fields if f.type == "json"]
    names = ["id", *layer.field_names]
    select = ", ".join(
        [f"t.{n}::text" if n in json_fields else f"t.{n}" for n in names] + ["ST_AsBinary(t.geom)"]
    )
    query = f"SELECT {select} FROM ({sql}) AS t ORDER BY t.id"
    for rows in _fetch(query, params):
        columns = list(zip(*rows, strict=True))
        arrays = [
            pa.array(
                [bytes(v) if v is not None else None for v in values]
                if i == len(names)
                else values,
                type=schema.field(i).type,
            )
            for i, values in enumerate(columns)
        ]
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def write_file(layer: Layer, filters: LayerFilters, fmt: Format, path: str) -> None:
    """Write the layer into a GeoPackage or FlatGeobuf at `path`, batch by batch."""
    import pyarrow as pa
    from pyogrio.raw import write_arrow

    schema = _arrow_schema(layer)
    provenance = layer_provenance(layer, filters)
    metadata = {
        "LICENCE": provenance["licence"],
        "ATTRIBUTION": provenance["attribution"],
        "PROVENANCE": json.dumps(provenance, ensure_ascii=False),
    }
    reader = pa.RecordBatchReader.from_batches(schema, _batches(layer, filters, schema))
    options: dict = {}
    if fmt.driver == "GPKG":
        options = {
            "IDENTIFIER": provenance["title"],
            "DESCRIPTION": f"{provenance['description']} Licence: {provenance['licence']}. "
            f"{provenance['attribution']}",
            "FID": "fid",
        }
    else:
        options = {"TITLE": provenance["title"], "DESCRIPTION": provenance["description"]}
    write_arrow(
        reader,
        path,
        layer=layer.slug.replace("-", "_"),
        driver=fmt.driver,
        geometry_name="geometry",
        geometry_type=_gdal_geometry_type(layer.geometry_type),
        crs="EPSG:4326",
        layer_metadata=metadata,
        dataset_metadata=metadata if fmt.driver == "GPKG" else None,
        # GeoPackage 1.2: what GDAL 3.6 (Debian 12) and QGIS 3.28 read without a warning.
        dataset_options={"VERSION": "1.2"} if fmt.driver == "GPKG" else None,
        layer_options=options,
    )


def _gdal_geometry_type(kind: str) -> str:
    return {"Point": "Point", "MultiPolygon": "MultiPolygon"}.get(kind, "Unknown")


def export_rate_limited(request) -> int:
    """Seconds to wait when this client has started EXPORT_RATE_PER_MINUTE exports in the
    current minute (0 when it may go on). Exports read whole layers: a few clients asking
    for many at once would hold every web worker. Fails open when the cache is down."""
    from django.conf import settings
    from django.core.cache import cache

    window = int(time.time() // 60)
    key = f"exports:{request.META.get('REMOTE_ADDR', '')}:{window}"
    try:
        cache.add(key, 0, timeout=90)
        started = cache.incr(key)
    except Exception:
        return 0
    return 60 - int(time.time() % 60) if started > settings.EXPORT_RATE_PER_MINUTE else 0


def _sweep_old_exports(hours: float = 2) -> None:
    """Temporary folders left by an export whose process was killed while writing."""
    root, limit = tempfile.gettempdir(), time.time() - hours * 3600
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if name.startswith("portal-export-") and os.path.getmtime(path) < limit:
            shutil.rmtree(path, ignore_errors=True)


def file_chunks(layer: Layer, filters: LayerFilters, fmt: Format) -> Iterator[bytes]:
    """The file written to a temporary folder, then sent in pieces and removed."""
    _sweep_old_exports()
    folder = tempfile.mkdtemp(prefix="portal-export-")
    path = os.path.join(folder, f"export.{fmt.extension}")
    try:
        write_file(layer, filters, fmt, path)
        with open(path, "rb") as fh:
            while chunk := fh.read(1024 * 1024):
                yield chunk
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def export_chunks(
    layer: Layer, filters: LayerFilters, fmt: Format, *, geometry: str = "wkt"
) -> Iterator[bytes]:
    if fmt.slug == "geojson":
        return geojson_chunks(layer, filters)
    if fmt.slug == "csv":
        return csv_chunks(layer, filters, geometry=geometry)
    return file_chunks(layer, filters, fmt)


def city_downloads(city: City, context_layers) -> list[dict]:
    """Download links of a city's public layers (the city page lists them)."""
    links = []
    for layer in layers():
        if layer.slug == "context" or "part" in layer.required:
            continue  # a layer of parts: each part has its own links
        query = f"?city={city.slug}"
        links.append(
            {
                "layer": layer,
                "formats": [
                    (f, reverse("export", kwargs={"layer": layer.slug, "fmt": f.slug}) + query)
                    for f in FORMATS.values()
                ],
            }
        )
    for part in context_layers:
        query = f"?city={city.slug}&layer={part.slug}"
        links.append(
            {
                "layer": get_layer("context"),
                "name": part.name,
                "formats": [
                    (f, reverse("export", kwargs={"layer": "context", "fmt": f.slug}) + query)
                    for f in FORMATS.values()
                ],
            }
        )
    return links


# API filters that mean the same in an export (the sites API says active_in for year).
_PASSED_ON = {
    "city": "city",
    "bbox": "bbox",
    "sector": "sector",
    "year": "year",
    "active_in": "year",
    "dataset": "dataset",
}


def download_links(request, layer_slug: str) -> list[dict]:
    """Links from an API collection to the whole layer as files, with the same filters."""
    layer = get_layer(layer_slug)
    if layer is None:
        return []
    query = QueryDict(mutable=True)
    for name, value in request.query_params.items():
        target = _PASSED_ON.get(name)
        if target in layer.filters and value:
            query[target] = value
    suffix = f"?{query.urlencode()}" if query else ""
    return [
        {
            "rel": "enclosure",
            "type": fmt.content_type.split(";")[0],
            "title": f"{layer.name} ({fmt.label})",
            "href": request.build_absolute_uri(
                reverse("export", kwargs={"layer": layer.slug, "fmt": fmt.slug}) + suffix
            ),
        }
        for fmt in FORMATS.values()
    ]
