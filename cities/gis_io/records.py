"""What the reading layer hands on: the file as understood, its layers and fields, row batches."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FORMATS = ("geojson", "gpkg", "shapefile", "csv", "flatgeobuf")
ENCODINGS = ("utf-8", "windows-1252", "iso-8859-1")
# The key of a row's attrs that says why its geometry was set aside (see cities/gis_io/wkb.py).
PROBLEM = "__problem__"


class SourceError(ValueError):
    """A file we will not or cannot read; str(exc) is shown to the user."""


@dataclass(frozen=True)
class Source:
    format: str  # one of FORMATS
    path: Path  # what GDAL opens (the .shp, the .gpkg, ...) or the CSV file
    driver: str | None  # the GDAL driver expected; None for CSV
    encoding_known: bool  # False for a shapefile without .cpg and for CSV not in UTF-8


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str  # "string" | "integer" | "number" | "date" | "datetime" | "boolean"
    samples: tuple[str, ...]  # up to 5 distinct non-empty values, as text


@dataclass(frozen=True)
class LayerInfo:
    name: str
    geometry_type: str | None  # "Point", "MultiPolygon", "Unknown", ...; 2D names
    count: int
    srid: int | None  # the EPSG code when the file's CRS is identified
    crs_text: str | None  # what the file says, short, for display
    extent: tuple[float, float, float, float] | None  # in the file's own coordinates
    fields: tuple[FieldInfo, ...]


@dataclass(frozen=True)
class CsvInfo:
    delimiter: str
    decimal_comma: bool
    columns: tuple[str, ...]
    lon_column: str | None
    lat_column: str | None
    wkt_column: str | None


@dataclass(frozen=True)
class Inspection:
    format: str
    layers: tuple[LayerInfo, ...]
    encoding: str | None  # the encoding used to read the samples
    encoding_known: bool
    csv: CsvInfo | None


@dataclass
class Batch:
    rows: list[int]  # 1-based feature (CSV: data record) numbers
    wkb: list[bytes | None]  # ISO WKB; None when missing, empty or refused (see __problem__)
    attrs: list[dict[str, str | None]]  # every field as text; None for null


@dataclass(frozen=True)
class CsvGeometry:
    lon: str | None = None
    lat: str | None = None
    wkt: str | None = None
