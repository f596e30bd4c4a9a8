"""Uploaded GIS files: checked, sniffed from their bytes, inspected and read in batches.

A file is judged by its bytes before GDAL sees it (a name says nothing), a zip by its
directory before anything is unpacked, and GDAL must then report the driver we expected.
CSV is read by Python (cities/gis_io/csv_source.py), everything else by GDAL through
pyogrio and Arrow. Every value leaves as text and every geometry as WKB; a feature whose
geometry we will not hand on (too many vertices, NaN, nested collections) keeps its row
with `wkb=None` and a marker in `attrs["__problem__"]`, so one bad feature never fails
the file. Row N is the Nth feature (CSV: the Nth data record), counting from 1.
"""

from __future__ import annotations

import codecs
import math
import re
import shutil
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.utils.translation import gettext as _

from cities.gis_io import csv_source
from cities.gis_io.records import (
    ENCODINGS,
    FORMATS,
    PROBLEM,
    Batch,
    CsvGeometry,
    CsvInfo,
    FieldInfo,
    Inspection,
    LayerInfo,
    Source,
    SourceError,
)
from cities.gis_io.wkb import screen_wkb

# The names other modules take from here (the pipeline's one door to the reading layer).
__all__ = [
    "ENCODINGS", "FORMATS", "PROBLEM", "Batch", "CsvGeometry", "CsvInfo", "FieldInfo",
    "Inspection", "LayerInfo", "Source", "SourceError", "inspect", "open_upload",
    "read_batches", "screen_wkb", "suggest_srid",
]  # fmt: skip


_DRIVERS = {"geojson": "GeoJSON", "gpkg": "GPKG", "shapefile": "ESRI Shapefile",
            "flatgeobuf": "FlatGeobuf", "csv": None}  # fmt: skip
_NAMES = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "shapefile": "shapefile",
          "flatgeobuf": "FlatGeobuf", "csv": "CSV"}  # fmt: skip
# GDAL picks some drivers by extension (a GeoJSON named .csv is opened as CSV), so a
# file whose name disagrees with its bytes is linked under the right one.
_EXTENSIONS = {"geojson": ".geojson", "gpkg": ".gpkg", "flatgeobuf": ".fgb", "csv": ".csv"}
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_SINGLE_FILES = (".gpkg", ".geojson", ".json", ".fgb", ".csv")
_HEAD = 64 * 1024
_MB = 1024 * 1024
# Below this size a member cannot be a bomb whatever its ratio; wide, empty .dbf fields
# of real shapefiles compress more than 100 times.
_RATIO_FLOOR = _MB
_GEOJSON_TYPE = re.compile(
    r'"type"\s*:\s*"(FeatureCollection|Feature|Point|MultiPoint|LineString|MultiLineString'
    r'|Polygon|MultiPolygon|GeometryCollection)"'
)
_GEOJSON_CRS_START = re.compile(r'"crs"\s*:\s*\{')
_GEOJSON_CRS = re.compile(r'"crs"\s*:\s*\{[^{}]*"properties"\s*:\s*\{([^{}]*)\}')
_WGS84 = re.compile(r"CRS84|(^|:)4326$|WGS ?84", re.IGNORECASE)


# --- Opening an upload -----------------------------------------------------------------


def open_upload(path: Path, workdir: Path) -> Source:
    """Check an uploaded file and prepare it for reading (a zip is unpacked into `workdir`)."""
    limit = settings.IMPORT_MAX_UPLOAD_MB
    size = path.stat().st_size
    if size > limit * _MB:
        raise SourceError(
            _("This file is %(size)s MB; files of up to %(limit)s MB are accepted.")
            % {"size": math.ceil(size / _MB), "limit": limit}
        )
    kind = sniff(path)
    if kind == "zip":
        path, kind = _unpack(path, workdir)
    elif kind in _EXTENSIONS and path.suffix.lower() != _EXTENSIONS[kind]:
        path = _link(path, workdir / f"{path.stem}{_EXTENSIONS[kind]}")
    source = Source(kind, path, _DRIVERS[kind], _encoding_known(kind, path))
    if source.driver:
        with _gdal_errors(source):
            _check_driver(source, _ogr().read_info(path, layer=0)["driver"])
    return source


def sniff(path: Path) -> str:
    """The format of a file from its first bytes: "zip" or one of FORMATS but "shapefile"."""

    with path.open("rb") as fh:
        head = fh.read(_HEAD)
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"PK\x05\x06"):
        raise SourceError(_("This zip is empty; nothing was imported."))
    if head.startswith(b"SQLite format 3\x00"):
        if head[68:72] in (b"GPKG", b"GP10", b"GP11"):
            return "gpkg"
        raise SourceError(_("This SQLite database is not a GeoPackage; nothing was imported."))
    if head.startswith(b"fgb\x03fgb"):
        return "flatgeobuf"
    if head.startswith(b"\x00\x00\x27\x0a"):
        raise SourceError(
            _("Upload a shapefile as a zip holding its .shp, .shx and .dbf (and .prj) files.")
        )
    text = "" if b"\x00" in head else head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        if re.search(rb"<\s*(OGRVRTDataSource|VRTDataset)", head, re.IGNORECASE):
            raise SourceError(_("VRT files are not accepted; nothing was imported."))
        raise SourceError(_refusal(_("XML files (GML, KML, ...) are not accepted.")))
    if text.startswith("{") and _GEOJSON_TYPE.search(text):
        # A legacy "crs" of type "link" makes GDAL fetch its href: never let a file do that.
        if _crs_is_a_link(text):
            raise SourceError(
                _(
                    "A coordinate system given as a link is not accepted: name it instead, e.g. "
                    '"EPSG:31370"; nothing was imported.'
                )
            )
        return "geojson"
    if text.startswith(("{", "[")):
        raise SourceError(_refusal(_("This JSON file is not GeoJSON.")))
    if text and csv_source.looks_like_csv(text):
        return "csv"
    raise SourceError(_refusal(_("This file is in a format we do not read.")))


def _crs_is_a_link(text: str) -> bool:
    """A legacy "crs" member of type "link" (its object holds an href) anywhere in the head."""
    for start in _GEOJSON_CRS_START.finditer(text):
        depth, end = 1, start.end()
        while depth and end < len(text):  # to the brace that closes the crs object
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        if re.search(r'"href"\s*:|"type"\s*:\s*"link"', text[start.end() : end]):
            return True
    return False


def _refusal(reason: str) -> str:
    return _("%(reason)s Accepted formats: %(formats)s.") % {
        "reason": reason,
        "formats": _("GeoPackage, GeoJSON, zipped shapefile, FlatGeobuf, CSV"),
    }


def _link(path: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        target.hardlink_to(path)
    except OSError:  # another file system, or no hard links there
        shutil.copyfile(path, target)
    return target


def _encoding_known(kind: str, path: Path) -> bool:
    if kind == "shapefile":
        return path.with_suffix(".cpg").exists()
    if kind == "csv":
        return is_utf8(path)
    return True  # GeoJSON, GeoPackage and FlatGeobuf are UTF-8 by definition


def is_utf8(path: Path, *, start: int = 0) -> bool:
    """Whether the whole file (from byte `start`) decodes as UTF-8, read 1 MB at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        fh.seek(start)
        try:
            while chunk := fh.read(_MB):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _check_driver(source: Source, driver: str) -> None:
    if driver != source.driver:
        raise SourceError(
            _("This file looks like %(format)s but is read as %(driver)s; nothing was imported.")
            % {"format": _NAMES[source.format], "driver": driver}
        )


# --- Zips: checked before anything is unpacked -------------------------------------------


def _unpack(path: Path, workdir: Path) -> tuple[Path, str]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = _checked_members(archive)
            chosen = _choose(members)
            written: list[Path] = []
            try:
                for info, name in chosen:
                    _extract(archive, info, workdir, name, written)
            except BaseException:
                for done in written:
                    done.unlink(missing_ok=True)
                raise
    except SourceError:
        raise
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, NotImplementedError,
            ValueError) as exc:  # fmt: skip
        raise SourceError(_("This zip is damaged (%(detail)s); nothing was imported.")
                          % {"detail": exc}) from exc  # fmt: skip
    target = written[0]
    if target.suffix == ".shp":
        with target.open("rb") as fh:
            magic = fh.read(4)
        if magic != b"\x00\x00\x27\x0a":
            raise SourceError(_("The .shp file in this zip is not a shapefile."))
        return target, "shapefile"
    kind = sniff(target)
    if kind == "zip":
        raise SourceError(_("A zip inside a zip is not accepted; zip the file itself."))
    if target.suffix.lower() != _EXTENSIONS[kind]:
        target = target.rename(target.with_suffix(_EXTENSIONS[kind]))
    return target, kind


def _checked_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > settings.IMPORT_MAX_ZIP_ENTRIES:
        raise SourceError(
            _("This zip holds %(count)s members; at most %(limit)s are accepted.")
            % {"count": len(infos), "limit": settings.IMPORT_MAX_ZIP_ENTRIES}
        )
    for info in infos:
        _check_member(info)
    if sum(info.file_size for info in infos) > settings.IMPORT_MAX_UNZIPPED_MB * _MB:
        raise SourceError(
            _("This zip unpacks to more than %(limit)s MB; nothing was imported.")
            % {"limit": settings.IMPORT_MAX_UNZIPPED_MB}
        )
    return [i for i in infos if not i.is_dir() and not _is_mac_noise(i.filename)]


def _check_member(info: zipfile.ZipInfo) -> None:
    name = info.filename
    parts = re.split(r"[\\/]", name)
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
        raise SourceError(
            _("This zip holds a member outside its folder (%(name)s); nothing was imported.")
            % {"name": name}
        )
    if stat.S_IFMT(info.external_attr >> 16) not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise SourceError(
            _("This zip holds a link or special file (%(name)s); nothing was imported.")
            % {"name": name}
        )
    if info.flag_bits & 0x1:
        raise SourceError(_("This zip is protected by a password; nothing was imported."))
    ratio = settings.IMPORT_MAX_COMPRESSION_RATIO
    if info.file_size > _RATIO_FLOOR and info.file_size > ratio * max(info.compress_size, 1):
        raise SourceError(
            _("This zip member unpacks to over %(ratio)s times its size (%(name)s); "
              "nothing was imported.") % {"ratio": ratio, "name": name}
        )  # fmt: skip


def _is_mac_noise(name: str) -> bool:
    # Finder's zips add a resource fork for every file (__MACOSX/._sites.shp).
    return name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1].startswith("._")


def _choose(members: list[zipfile.ZipInfo]) -> list[tuple[zipfile.ZipInfo, str]]:
    """The members to unpack and their names: a shapefile's parts, or one single file."""
    shps = [info for info in members if info.filename.lower().endswith(".shp")]
    if len(shps) > 1:
        raise SourceError(
            _("This zip holds several shapefiles (%(names)s); zip one at a time.")
            % {"names": ", ".join(info.filename for info in shps[:5])}
        )
    if shps:
        stem = shps[0].filename[:-4]
        parts = {}
        for info in members:
            base, dot, ext = info.filename.rpartition(".")
            if dot and base.lower() == stem.lower() and f".{ext.lower()}" in _SHAPEFILE_PARTS:
                parts[f".{ext.lower()}"] = info
        missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
        if missing:
            raise SourceError(
                _("The shapefile in this zip has no %(parts)s file; zip it with its .shx "
                  "and .dbf.") % {"parts": " / ".join(missing)}
            )  # fmt: skip
        return [(parts[ext], f"{stem}{ext}") for ext in _SHAPEFILE_PARTS if ext in parts]
    singles = [info for info in members if info.filename.lower().endswith(_SINGLE_FILES)]
    if len(singles) == 1:
        return [(singles[0], singles[0].filename)]
    if singles:
        raise SourceError(
            _("This zip holds several files (%(names)s); zip one at a time.")
            % {"names": ", ".join(info.filename for info in singles[:5])}
        )
    raise SourceError(_refusal(_("This zip holds no shapefile and no other file we read.")))


def _extract(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, workdir: Path, name: str, written: list
) -> None:
    root = workdir.resolve()
    target = (root / name).resolve()
    if not target.is_relative_to(root):  # _check_member refused these already
        raise SourceError(_("This zip holds a member outside its folder (%(name)s); "
                            "nothing was imported.") % {"name": name})  # fmt: skip
    target.parent.mkdir(parents=True, exist_ok=True)
    left = info.file_size
    try:
        dst = target.open("xb")
    except FileExistsError as exc:
        raise SourceError(_("This zip holds %(name)s twice; nothing was imported.")
                          % {"name": name}) from exc  # fmt: skip
    written.append(target)
    with dst, archive.open(info) as src:
        while chunk := src.read(_MB):
            left -= len(chunk)
            if left < 0:  # zipfile stops at the declared size; this is the second lock
                raise SourceError(_("This zip lies about its sizes; nothing was imported."))
            dst.write(chunk)


# --- Inspecting ------------------------------------------------------------------------


def inspect(source: Source, *, encoding: str | None = None, sample_rows: int = 200) -> Inspection:
    """What the file holds: its layers, their fields with samples, CRS and extent."""
    if source.format == "csv":
        return csv_source.inspect_csv(source, encoding=encoding, sample_rows=sample_rows)
    chosen = _dbf_encoding(source, encoding)
    options = _open_options(chosen)
    with _gdal_errors(source):
        names = [str(row[0]) for row in _ogr().list_layers(source.path)]
        layers = tuple(_layer_info(source, name, options, sample_rows) for name in names)
    if not layers:
        raise SourceError(_("This file holds no layer; nothing was imported."))
    return Inspection(
        format=source.format,
        layers=layers,
        encoding=chosen or _declared_encoding(source),
        encoding_known=source.encoding_known,
        csv=None,
    )


def _layer_info(source: Source, name: str, options: dict, sample_rows: int) -> LayerInfo:
    ogr = _ogr()
    info = ogr.read_info(
        source.path, layer=name, force_feature_count=True, force_total_bounds=True, **options
    )
    _check_driver(source, info["driver"])
    bounds = info["total_bounds"]
    extent = tuple(bounds) if bounds and all(map(math.isfinite, bounds)) else None
    srid, crs_text = _crs(source, info["crs"], extent)
    table = None
    if info["features"] > 0 and len(info["fields"]):
        _meta, table = ogr.raw.read_arrow(
            source.path, layer=name, read_geometry=False, max_features=sample_rows,
            datetime_as_string=True, **options,
        )  # fmt: skip
    fields = tuple(
        FieldInfo(str(field), _field_type(ogr_type, subtype), _samples(table, str(field)))
        for field, ogr_type, subtype in zip(
            info["fields"], info["ogr_types"], info["ogr_subtypes"], strict=True
        )
    )
    geometry_type = info["geometry_type"]
    return LayerInfo(
        name=name,
        geometry_type=re.sub(r" (Z|M|ZM)$", "", geometry_type) if geometry_type else None,
        count=int(info["features"]),
        srid=srid,
        crs_text=crs_text,
        extent=extent,
        fields=fields,
    )


def _field_type(ogr_type: str, subtype: str) -> str:
    if subtype == "OFSTBoolean":
        return "boolean"
    return {"OFTInteger": "integer", "OFTInteger64": "integer", "OFTReal": "number",
            "OFTDate": "date", "OFTDateTime": "datetime"}.get(ogr_type, "string")  # fmt: skip


def _samples(table: pa.Table | None, name: str) -> tuple[str, ...]:
    if table is None:
        return ()
    seen: dict[str, None] = {}
    for value in text_values(table.column(name), lenient=True):
        if value and value.strip():
            seen.setdefault(value.strip())
            if len(seen) == 5:
                break
    return tuple(seen)


def _crs(
    source: Source, crs: str | None, extent: tuple[float, ...] | None
) -> tuple[int | None, str | None]:
    match = re.fullmatch(r"EPSG:(\d+)", crs or "")
    srid = int(match[1]) if match else None
    text = crs if match else _wkt_name(crs)
    if source.format == "shapefile":
        prj = source.path.with_suffix(".prj")
        text = (_wkt_name(prj.read_text("utf-8", "replace")) if prj.exists() else None) or text
    if source.format != "geojson":
        return srid, text
    declared = _geojson_declared_crs(source.path)
    if srid != 4326:
        return srid, declared or text
    # GDAL says WGS 84 for any GeoJSON without a crs member, and for one it does not know.
    if declared is None:
        return (4326 if _degrees(extent) else None), None
    return (4326 if _WGS84.search(declared) else None), declared


def _wkt_name(wkt: str | None) -> str | None:
    match = re.match(r'\s*[A-Z_]+\["([^"]{1,200})"', wkt or "")
    return match[1] if match else None


def _geojson_declared_crs(path: Path) -> str | None:
    """The name (or code) of a legacy GeoJSON "crs" member near the top of the file."""
    with path.open("rb") as fh:
        head = fh.read(_MB).decode("utf-8", "replace")
    match = _GEOJSON_CRS.search(head)
    if not match:
        return None
    named = re.search(r'"(?:name|code|href)"\s*:\s*"?([^",]{1,200})', match[1])
    return named[1].strip() if named else match[1].strip()[:200]


def _degrees(extent: tuple[float, ...] | None) -> bool:
    if not extent:
        return False
    xmin, ymin, xmax, ymax = extent
    return -180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90


def suggest_srid(extent: tuple[float, float, float, float]) -> int | None:
    """A likely CRS for a file that names none, from the range of its coordinates."""
    if not extent or not all(map(math.isfinite, extent)):
        return None
    xmin, ymin, xmax, ymax = extent
    if _degrees(extent):
        return 4326
    if xmin >= 0 and ymin >= 0 and xmax <= 300_000 and ymax <= 250_000:
        return 31370  # Belgian Lambert 72 (it wins the corner it shares with the BNG)
    if xmin >= 0 and ymin >= 300_000 and xmax <= 300_000 and ymax <= 625_000:
        return 28992  # Dutch RD New
    british = xmin >= 0 and ymin >= 0 and xmax <= 700_000 and ymax <= 1_300_000
    if british and (xmax > 300_000 or ymax > 650_000):
        return 27700  # British National Grid
    if xmin >= 2e6 and xmax <= 8e6 and ymin >= 1e6 and ymax <= 6e6:
        return 3035  # ETRS89-LAEA Europe
    mercator = 20_037_508.35
    if max(map(abs, extent)) <= mercator and not british:
        return 3857
    return None


# --- Reading ---------------------------------------------------------------------------


def read_batches(
    source: Source,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    batch_size: int = 10_000,
    csv_geometry: CsvGeometry | None = None,
    decimal_comma: bool | None = None,
    delimiter: str | None = None,
) -> Iterator[Batch]:
    """Every feature of a layer (the first when `layer` is None), `batch_size` at a time.

    For CSV, `csv_geometry=None` uses the columns inspect() suggests (CsvGeometry() for
    none), and `delimiter` / `decimal_comma` None are detected again.
    """
    if source.format == "csv":
        yield from csv_source.read_csv_batches(
            source, encoding=encoding, batch_size=batch_size, csv_geometry=csv_geometry,
            decimal_comma=decimal_comma, delimiter=delimiter,
        )  # fmt: skip
        return
    options = _open_options(_dbf_encoding(source, encoding))
    first = 1
    with _gdal_errors(source), _ogr().raw.open_arrow(
        source.path, layer=0 if layer is None else layer, use_pyarrow=True,
        batch_size=batch_size, datetime_as_string=True, **options,
    ) as (meta, reader):  # fmt: skip
        geometry = meta["geometry_name"] or "wkb_geometry"
        for record_batch in reader:
            yield _batch(source, record_batch, geometry, first)
            first += record_batch.num_rows


def _batch(source: Source, record_batch: pa.RecordBatch, geometry: str, first: int) -> Batch:
    count = record_batch.num_rows
    names = [name for name in record_batch.schema.names if name != geometry]
    try:
        columns = [text_values(record_batch.column(name)) for name in names]
    except UnicodeError as exc:
        raise SourceError(_not_encoding(source)) from exc
    attrs = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    if not names:
        attrs = [{} for _row in range(count)]
    shapes = [None] * count
    if geometry in record_batch.schema.names:
        shapes = record_batch.column(geometry).to_pylist()
    wkb: list[bytes | None] = []
    for row_attrs, shape in zip(attrs, shapes, strict=True):
        kept, problem = screen_wkb(shape)
        wkb.append(kept)
        if problem:
            row_attrs[PROBLEM] = problem
    return Batch(rows=list(range(first, first + count)), wkb=wkb, attrs=attrs)


def _not_encoding(source: Source) -> str:
    if source.format == "shapefile":
        return _("The text of this shapefile is not in the encoding chosen; choose another.")
    return _("The text of this file is not valid UTF-8; nothing was imported.")


def text_values(column: pa.Array | pa.ChunkedArray, *, lenient: bool = False) -> list:
    """A column's values as text (numbers canonical, dates ISO), None for null and NaN.

    Strings that are not valid UTF-8 (a .dbf read in the wrong encoding) raise
    UnicodeError, or are decoded with replacement characters when `lenient`.
    """
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        try:
            column.validate(full=True)
        except pa.ArrowInvalid:
            if not lenient:
                raise UnicodeError("invalid UTF-8") from None
            raw = pc.cast(column, pa.binary()).to_pylist()
            return [None if v is None else v.decode("utf-8", "replace") for v in raw]
        return column.to_pylist()
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return [None if v is None else v.hex() for v in column.to_pylist()]
    if pa.types.is_floating(kind):
        column = pc.if_else(pc.is_finite(column), column, pa.scalar(None, kind))
    try:
        return pc.cast(column, pa.string()).to_pylist()
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):  # lists, structs: rare
        return [None if v is None else str(v) for v in column.to_pylist()]


# --- GDAL ------------------------------------------------------------------------------


def _ogr() -> ModuleType:
    """pyogrio, imported once Django's settings are loaded: portal/settings.py sets
    GDAL_SKIP (no VRT, no network drivers), which GDAL reads when its drivers register."""
    settings.IMPORT_MAX_UPLOAD_MB  # noqa: B018 - loads the settings first
    import pyogrio
    import pyogrio.raw

    return pyogrio


def _dbf_encoding(source: Source, encoding: str | None) -> str | None:
    """The encoding to read a shapefile's .dbf with when its .cpg does not say (or the
    user overrides it): GDAL would pass Latin-1 bytes on as if they were UTF-8."""
    if source.format != "shapefile" or (encoding is None and source.encoding_known):
        return None
    return encoding or _guess_dbf_encoding(source.path.with_suffix(".dbf"))


def _open_options(encoding: str | None) -> dict[str, str]:
    if encoding is None:
        return {}
    try:
        # Python's spelling: GDAL passes the bytes on untouched for "iso-8859-1" (while
        # "ISO-8859-1" and "iso8859-1" work).
        return {"ENCODING": codecs.lookup(encoding).name}
    except LookupError as exc:
        raise SourceError(_("Unknown encoding: %(name)s.") % {"name": encoding}) from exc


def _guess_dbf_encoding(dbf: Path) -> str:
    """UTF-8 when every record decodes as such, else Windows-1252 as a preview."""
    with dbf.open("rb") as fh:
        header = fh.read(10)
    start = struct.unpack_from("<H", header, 8)[0] if len(header) == 10 else 0
    return "utf-8" if is_utf8(dbf, start=start) else "windows-1252"


def _declared_encoding(source: Source) -> str:
    if source.format == "shapefile":
        cpg = source.path.with_suffix(".cpg").read_text("ascii", "replace").strip()
        return _cpg_encoding(cpg)
    return "utf-8"


def _cpg_encoding(cpg: str) -> str:
    """A .cpg's encoding as spelled in ENCODINGS when it is one of them."""
    if cpg.isdigit():  # "1252", "88591": code pages as ArcGIS writes them
        cpg = {"88591": "iso-8859-1", "65001": "utf-8"}.get(cpg, f"cp{cpg}")
    try:
        name = codecs.lookup(cpg.removeprefix("ANSI ")).name
    except LookupError:
        return cpg
    return next((known for known in ENCODINGS if codecs.lookup(known).name == name), name)


@contextmanager
def _gdal_errors(source: Source) -> Iterator[None]:
    """GDAL's failures as one clear sentence; the original stays chained for the logs."""
    try:
        yield
    except SourceError:
        raise
    except (RuntimeError, OSError, ValueError, pa.ArrowException) as exc:
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        detail = lines[0].replace(f"{source.path.parent}/", "").strip()[:200]
        raise SourceError(
            _("This %(format)s file could not be read (%(detail)s); nothing was imported.")
            % {"format": _NAMES[source.format], "detail": detail}
        ) from exc
