"""CSV uploads: encoding, delimiter and decimal comma detected; points from lon/lat or WKT.

Read with Python's csv module rather than GDAL's CSV driver, which would decide on its
own that a column named "x" is a longitude. Values stay the text of the file (stripped;
an empty cell is None); the geometry columns stay among the attributes too. A file that
is not UTF-8 is previewed as Windows-1252 until the user names its encoding.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
import struct
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from itertools import islice
from pathlib import Path
from typing import IO

from django.contrib.gis.geos import GEOSException, GEOSGeometry, WKBWriter
from django.utils.translation import gettext as _

from cities.gis_io.records import (
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

PREVIEW_ENCODING = "windows-1252"
_DELIMITERS = ",;\t|"
_SAMPLE = 64 * 1024
# A WKT polygon of IMPORT_MAX_VERTICES vertices is a few MB; csv's default is 128 KB.
_FIELD_LIMIT = 64 * 1024 * 1024
_LON = ("lon", "lng", "long", "longitude", "longitud", "lengtegraad", "lengte", "x",
        "xcoord", "coordx", "point_x", "easting", "oost")  # fmt: skip
_LAT = ("lat", "latitude", "latitud", "breedtegraad", "breedte", "y", "ycoord", "coordy",
        "point_y", "northing", "noord")  # fmt: skip
_WKT_NAMES = ("wkt", "geom", "geometry", "the_geom", "geometrie", "geometria", "shape",
              "ewkt", "wkt_geom")  # fmt: skip
_WKT = re.compile(
    r"(SRID=\d+;)?\s*(POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON"
    r"|GEOMETRYCOLLECTION)\b",
    re.IGNORECASE,
)
_WKT_POINT = re.compile(r"(?:SRID=\d+;)?\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)", re.IGNORECASE)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?(0|[1-9]\d*)")  # "0123" is a code, not a number
_COMMA_NUMBER = re.compile(r"[+-]?\d+,\d+")
_DOT_NUMBER = re.compile(r"[+-]?\d+\.\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_BOOLEANS = {"true", "false", "yes", "no"}


def looks_like_csv(text: str) -> bool:
    """Whether the start of a text file reads as a table."""
    lines = _whole_lines(text)
    try:
        csv.Sniffer().sniff(lines, delimiters=_DELIMITERS)
    except csv.Error:  # it gives up on a few uneven rows; a header of columns will do
        first = lines.splitlines()[:1]
        return any(len(next(csv.reader(first, delimiter=d), [])) > 1 for d in _DELIMITERS)
    return True


def inspect_csv(source: Source, *, encoding: str | None, sample_rows: int) -> Inspection:
    codec, shown = _encoding(source, encoding)
    info, rows = _detect(source.path, codec, sample_rows)
    geometries = _wkt_samples(rows, info.columns.index(info.wkt_column)) if info.wkt_column else []
    count, extent = _count(source.path, codec, info)
    srid = _common(geometry.srid for geometry in geometries)
    if info.wkt_column:
        geometry_type = _common(g.geom_type for g in geometries) or "Unknown"
        extent = _union([g.extent for g in geometries if not g.empty])
    else:
        geometry_type = "Point" if info.lon_column and info.lat_column else None
    by_column = zip(*rows, strict=True) if rows else [()] * len(info.columns)
    fields = tuple(
        FieldInfo(name, _field_type(values, info.decimal_comma), _distinct(values))
        for name, values in zip(info.columns, by_column, strict=True)
    )
    layer = LayerInfo(
        name=source.path.stem,
        geometry_type=geometry_type,
        count=count,
        srid=srid,
        crs_text=f"SRID={srid}" if srid else None,
        extent=extent,
        fields=fields,
    )
    return Inspection("csv", (layer,), shown, source.encoding_known, info)


def read_csv_batches(
    source: Source,
    *,
    encoding: str | None,
    batch_size: int,
    csv_geometry: CsvGeometry | None,
    decimal_comma: bool | None,
    delimiter: str | None,
) -> Iterator[Batch]:
    codec, shown = _encoding(source, encoding)
    if csv_geometry is None or decimal_comma is None or delimiter is None:
        info, _rows = _detect(source.path, codec, 200)
        delimiter = delimiter or info.delimiter
        decimal_comma = info.decimal_comma if decimal_comma is None else decimal_comma
        if csv_geometry is None:
            csv_geometry = _suggested_geometry(info)
    try:
        with _open(source.path, codec, lenient=False) as fh:
            records = _records(csv.reader(fh, delimiter=delimiter))
            columns = _columns(next(records, []))
            _check_geometry(csv_geometry, columns)
            writer = WKBWriter()  # 2D, little endian, no SRID: like the WKB GDAL gives
            batch = Batch([], [], [])
            for number, record in enumerate(records, start=1):
                attrs = _attrs(record, columns)
                wkb, problem = _geometry(attrs, csv_geometry, decimal_comma, writer)
                if problem:
                    attrs[PROBLEM] = problem
                batch.rows.append(number)
                batch.wkb.append(wkb)
                batch.attrs.append(attrs)
                if len(batch.rows) >= batch_size:
                    yield batch
                    batch = Batch([], [], [])
            if batch.rows:
                yield batch
    except UnicodeDecodeError as exc:  # decoding runs ahead of the rows: no row number
        raise SourceError(
            _("This CSV file is not in %(encoding)s; choose its encoding.") % {"encoding": shown}
        ) from exc


# --- Detection -------------------------------------------------------------------------


def _encoding(source: Source, encoding: str | None) -> tuple[str, str]:
    """(the codec to read with, the name to show)."""
    if encoding is None:
        return ("utf-8-sig", "utf-8") if source.encoding_known else (PREVIEW_ENCODING,) * 2
    try:
        name = codecs.lookup(encoding).name
    except LookupError as exc:
        raise SourceError(_("Unknown encoding: %(name)s.") % {"name": encoding}) from exc
    return ("utf-8-sig" if name == "utf-8" else encoding), encoding  # a BOM is no header


@contextmanager
def _open(path: Path, codec: str, *, lenient: bool) -> Iterator[IO[str]]:
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    with path.open(encoding=codec, errors="replace" if lenient else "strict", newline="") as fh:
        try:
            yield fh
        except csv.Error as exc:
            raise SourceError(
                _("This CSV file could not be read (%(detail)s); nothing was imported.")
                % {"detail": exc}
            ) from exc


def _detect(path: Path, codec: str, sample_rows: int) -> tuple[CsvInfo, list[list[str | None]]]:
    """What the first rows say: delimiter, columns, decimal comma, geometry columns."""
    with _open(path, codec, lenient=True) as fh:
        delimiter = _delimiter(fh.read(_SAMPLE))
        fh.seek(0)
        records = _records(csv.reader(fh, delimiter=delimiter))
        header = next(records, None)
        if header is None:
            raise SourceError(_("This CSV file is empty; nothing was imported."))
        columns = _columns(header)
        rows = [_values(record, len(columns)) for record in islice(records, sample_rows)]
    decimal_comma = _decimal_comma(rows)
    by_column = dict(zip(columns, zip(*rows, strict=True), strict=True)) if rows else {}

    def numeric(name: str) -> bool:
        return _mostly(by_column.get(name, ()), lambda v: _number(v, decimal_comma) is not None)

    def wkt(name: str) -> bool:
        return _mostly(by_column.get(name, ()), lambda v: _parse_wkt(v) is not None)

    wkt_column = _by_name(columns, _WKT_NAMES, wkt) or next(
        (name for name in columns if _starts_as_wkt(by_column.get(name, ())) and wkt(name)), None
    )
    info = CsvInfo(
        delimiter=delimiter,
        decimal_comma=decimal_comma,
        columns=tuple(columns),
        lon_column=_by_name(columns, _LON, numeric),
        lat_column=_by_name(columns, _LAT, numeric),
        wkt_column=wkt_column,
    )
    return info, rows


def _whole_lines(text: str) -> str:
    return text[: text.rfind("\n") + 1] or text


def _width(lines: str, delimiter: str) -> int:
    """The number of fields every one of the first rows has, or 0 when they differ."""
    widths = {len(row) for row in islice(csv.reader(lines.splitlines(), delimiter=delimiter), 50)
              if any(field.strip() for field in row)}  # fmt: skip
    return widths.pop() if len(widths) == 1 else 0


def _delimiter(sample: str) -> str:
    lines = _whole_lines(sample)
    candidates = list(_DELIMITERS)
    with suppress(csv.Error):
        candidates.insert(0, csv.Sniffer().sniff(lines, delimiters=_DELIMITERS).delimiter)
    return next((d for d in candidates if _width(lines, d) > 1), candidates[0])


def _records(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The non-blank records, each field stripped."""
    for record in reader:
        stripped = [field.strip() for field in record]
        if any(stripped):
            yield stripped


def _columns(header: list[str]) -> list[str]:
    """Header names made usable as keys: blanks named column_N, repeats numbered."""
    names: list[str] = []
    for index, raw in enumerate(header, start=1):
        base = raw.lstrip("\ufeff").strip() or f"column_{index}"
        name, copy = base, 2
        while name in names:
            name, copy = f"{base}_{copy}", copy + 1
        names.append(name)
    return names


def _values(record: list[str], width: int) -> list[str | None]:
    values: list[str | None] = [value or None for value in record[:width]]
    return values + [None] * (width - len(values))


def _attrs(record: list[str], columns: list[str]) -> dict[str, str | None]:
    attrs = dict(zip(columns, _values(record, len(columns)), strict=True))
    for index in range(len(columns), len(record)):  # kept, not lost: column_6, column_7, ...
        if record[index]:
            attrs.setdefault(f"column_{index + 1}", record[index])
    return attrs


def _decimal_comma(rows: list[list[str | None]]) -> bool:
    values = [value for row in rows for value in row if value]
    commas = sum(1 for value in values if _COMMA_NUMBER.fullmatch(value))
    dots = sum(1 for value in values if _DOT_NUMBER.fullmatch(value))
    return commas > 0 and commas >= dots


def _normal(name: str) -> str:
    """'Géométrie (WGS84)' -> 'geometrie_wgs84'."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def _by_name(columns: list[str], names: tuple[str, ...], fits) -> str | None:
    """The first column named like one of `names` (exactly, else by its first word)."""
    normal = {column: _normal(column) for column in columns}
    for exact in (True, False):
        for column in columns:
            key = normal[column] if exact else normal[column].split("_")[0]
            if key in names and fits(column):
                return column
    return None


def _mostly(values, test) -> bool:
    present = [value for value in values if value]
    return bool(present) and sum(1 for value in present if test(value)) > len(present) / 2


def _starts_as_wkt(values) -> bool:
    present = [value for value in values if value]
    return bool(present) and _WKT.match(present[0]) is not None


def _field_type(values: tuple[str | None, ...], decimal_comma: bool) -> str:
    present = [value for value in values if value]
    if not present:
        return "string"
    if {value.lower() for value in present} <= _BOOLEANS:
        return "boolean"
    for kind, pattern in (("integer", _INTEGER), ("number", _NUMBER)):
        if all(pattern.fullmatch(_decimal(v, decimal_comma)) for v in present):
            return kind
    if all(_DATE.fullmatch(value) for value in present):
        return "date"
    if all(_DATETIME.fullmatch(value) for value in present):
        return "datetime"
    return "string"


def _distinct(values: tuple[str | None, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))[:5]


def _common(values) -> int | str | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _union(extents: list[tuple[float, ...]]) -> tuple[float, float, float, float] | None:
    if not extents:
        return None
    xmins, ymins, xmaxs, ymaxs = zip(*extents, strict=True)
    return (min(xmins), min(ymins), max(xmaxs), max(ymaxs))


def _count(path: Path, codec: str, info: CsvInfo) -> tuple[int, tuple | None]:
    """The number of data rows and, for lon/lat files, the extent of every row's point."""
    columns = list(info.columns)
    lon = columns.index(info.lon_column) if info.lon_column and info.lat_column else None
    lat = columns.index(info.lat_column) if lon is not None else None
    count, xs, ys = 0, [math.inf, -math.inf], [math.inf, -math.inf]
    with _open(path, codec, lenient=True) as fh:
        records = _records(csv.reader(fh, delimiter=info.delimiter))
        next(records, None)
        for record in records:
            count += 1
            if lon is None or max(lon, lat) >= len(record):
                continue
            x = _number(record[lon], info.decimal_comma)
            y = _number(record[lat], info.decimal_comma)
            if x is not None and y is not None:
                xs = [min(xs[0], x), max(xs[1], x)]
                ys = [min(ys[0], y), max(ys[1], y)]
    extent = (xs[0], ys[0], xs[1], ys[1]) if xs[0] <= xs[1] else None
    return count, extent


# --- Geometry --------------------------------------------------------------------------


def _suggested_geometry(info: CsvInfo) -> CsvGeometry:
    if info.wkt_column:
        return CsvGeometry(wkt=info.wkt_column)
    if info.lon_column and info.lat_column:
        return CsvGeometry(lon=info.lon_column, lat=info.lat_column)
    return CsvGeometry()


def _check_geometry(geometry: CsvGeometry, columns: list[str]) -> None:
    for name in (geometry.lon, geometry.lat, geometry.wkt):
        if name is not None and name not in columns:
            raise SourceError(_("This CSV file has no column %(name)s.") % {"name": name})
    if not geometry.wkt and (geometry.lon is None) != (geometry.lat is None):
        raise SourceError(_("Choose both the longitude (x) and the latitude (y) column."))


def _geometry(
    attrs: dict[str, str | None], geometry: CsvGeometry, decimal_comma: bool, writer: WKBWriter
) -> tuple[bytes | None, str | None]:
    """A row's WKB and its problem, if any."""
    if geometry.wkt:
        return _wkb_from_wkt(attrs[geometry.wkt], writer)
    if not geometry.lon or not geometry.lat:
        return None, None
    x_text, y_text = attrs[geometry.lon], attrs[geometry.lat]
    if x_text is None and y_text is None:
        return None, None
    x, y = _number(x_text, decimal_comma), _number(y_text, decimal_comma)
    if x is None or y is None:
        return None, "bad_coordinates"
    return struct.pack("<BIdd", 1, 1, x, y), None


def _wkb_from_wkt(text: str | None, writer: WKBWriter) -> tuple[bytes | None, str | None]:
    if text is None:
        return None, None
    point = _WKT_POINT.fullmatch(text)  # most WKT in CSV files: ten times faster than GEOS
    if point:
        x, y = _number(point[1], False), _number(point[2], False)
        if x is not None and y is not None:
            return struct.pack("<BIdd", 1, 1, x, y), None
    parsed = _parse_wkt(text)
    if parsed is None:
        return None, "bad_wkt"
    if parsed.empty:
        return None, None
    return screen_wkb(bytes(writer.write(parsed)))


def _parse_wkt(text: str) -> GEOSGeometry | None:
    # GEOSGeometry would also take hex WKB and GeoJSON, and it logs an error for each text
    # it cannot parse: most broken WKT is cut short, so its brackets do not balance.
    if not _WKT.match(text) or text.count("(") != text.count(")"):
        return None
    try:
        return GEOSGeometry(text)
    except (GEOSException, ValueError, TypeError):
        return None


def _wkt_samples(rows: list[list[str | None]], index: int) -> list[GEOSGeometry]:
    parsed = (_parse_wkt(row[index]) for row in rows if row[index])
    return [geometry for geometry in islice(parsed, 50) if geometry is not None]


def _decimal(text: str, decimal_comma: bool) -> str:
    return text.replace(",", ".") if decimal_comma else text


def _number(text: str | None, decimal_comma: bool) -> float | None:
    """A finite number written as in the file, else None ('nan' and '1e999' are None)."""
    if not text:
        return None
    text = _decimal(text, decimal_comma)
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None
