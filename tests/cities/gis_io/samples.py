"""Sample GIS files, good and hostile, for the import tests.

Each builder writes one file at `path` (in a test's tmp_path) and returns that path.
Geometries are WKB packed here; GeoPackage, shapefile and FlatGeobuf are written with
pyogrio from Arrow tables, GeoJSON, CSV and zips by hand.

What GDAL (3.12, bundled with pyogrio) does with some of them, found while writing them:
- GeoJSON: the literal NaN is accepted (GDAL's JSON parser is lenient) and kept in line
  and polygon coordinates, but a Point with a NaN becomes POINT EMPTY; 1e999 is refused
  ("Unrecognized number"). GeoPackage keeps POINT (NaN 50.8) as written.
- GeoJSON without a "crs" member, or with a name GDAL does not know, reads as EPSG:4326.
- FlatGeobuf's spatial index reorders features; the builder writes none to keep order.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import sqlite3
import struct
import tempfile
import warnings
import zipfile
from pathlib import Path

import pyarrow as pa
from pyogrio.raw import write_arrow

# Belgian Lambert 72 as ArcGIS writes it in a .prj (ESRI WKT, no EPSG code in it).
ESRI_31370 = (
    'PROJCS["Belge_1972_Belgian_Lambert_72",GEOGCS["GCS_Belge_1972",DATUM["D_Belge_1972",'
    'SPHEROID["International_1924",6378388.0,297.0]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],'
    'PARAMETER["False_Easting",150000.013],PARAMETER["False_Northing",5400088.438],'
    'PARAMETER["Central_Meridian",4.367486666666666],'
    'PARAMETER["Standard_Parallel_1",51.16666723333333],'
    'PARAMETER["Standard_Parallel_2",49.8333339],PARAMETER["Latitude_Of_Origin",90.0],'
    'UNIT["Meter",1.0]]'
)
NACE = ("25.62", "10.71", "31.01", "16.23")
# Names that are not ASCII but fit in Latin-1, so that every encoding can hold them.
NAMES = ("Café du Progrès", "Brasserie Ölé", "Atelier Zoë", "Menuiserie Dubois")
TRAVERSAL_TARGET = "/tmp/cities-of-making-zip-traversal-test"  # noqa: S108 - must not appear


def point(x: float, y: float) -> bytes:
    return struct.pack("<BIdd", 1, 1, x, y)


def polygon(*rings: list[tuple[float, float]]) -> bytes:
    out = [struct.pack("<BII", 1, 3, len(rings))]
    for ring in rings:
        out.append(struct.pack("<I", len(ring)))
        out.extend(struct.pack("<dd", x, y) for x, y in ring)
    return b"".join(out)


def square(x: float, y: float, size: float) -> list[tuple[float, float]]:
    return [(x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y)]


def site_lonlat(index: int, n: int) -> tuple[float, float]:
    """The place of site `index` of `n`: spread over Brussels (lon 4.30-4.45, lat 50.80-50.90)."""
    step = index / max(n - 1, 1)
    return round(4.30 + 0.15 * step, 6), round(50.80 + 0.10 * ((index * 7) % n) / n, 6)


def _write(table: pa.Table, path: Path, **options) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "'crs' was not provided"
        write_arrow(table, path, geometry_name="geometry", **options)


# --- Good files ------------------------------------------------------------------------


def sites_gpkg(path: Path, n: int = 50, bad_row: int | None = None) -> Path:
    """Layer "sites" (n points in EPSG:4326 over Brussels; ref, name, nace, staff) and
    layer "districts" (3 squares; code, name). Row `bad_row` (1-based) of the sites has
    a NaN longitude, which the reader reports as "nan_coordinates"."""
    places = [site_lonlat(i, n) for i in range(n)]
    if bad_row:
        places[bad_row - 1] = (math.nan, places[bad_row - 1][1])
    sites = pa.table({
        "ref": [f"S{i + 1:04d}" for i in range(n)],
        "name": [f"{NAMES[i % len(NAMES)]} {i + 1}" for i in range(n)],
        "nace": [NACE[i % len(NACE)] for i in range(n)],
        "staff": pa.array([(i % 40) + 1 for i in range(n)], pa.int32()),
        "geometry": pa.array([point(x, y) for x, y in places], pa.binary()),
    })  # fmt: skip
    _write(sites, path, driver="GPKG", layer="sites", geometry_type="Point", crs="EPSG:4326")
    districts = pa.table({
        "code": ["D1", "D2", "D3"],
        "name": ["Anderlecht", "Molenbeek", "Forest"],
        "geometry": pa.array(
            [polygon(square(4.30 + 0.05 * i, 50.80, 0.05)) for i in range(3)], pa.binary()
        ),
    })  # fmt: skip
    _write(districts, path, driver="GPKG", layer="districts", geometry_type="Polygon",
           crs="EPSG:4326", append=True)  # fmt: skip
    return path


def _feature(geometry: dict | None, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _collection(features: list[dict], crs: str | None = None) -> dict:
    doc: dict = {"type": "FeatureCollection"}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    doc["features"] = features
    return doc


def _write_json(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _lambert_points() -> list[dict]:
    """Three workshops in Brussels, in Belgian Lambert 72 metres."""
    places = [(148_000.0, 169_000.0), (150_500.0, 171_200.0), (152_250.5, 170_100.25)]
    return [
        _feature({"type": "Point", "coordinates": list(xy)}, ref=f"L{i + 1}", name=NAMES[i])
        for i, xy in enumerate(places)
    ]


def geojson_legacy_crs(path: Path, crs_name: str = "urn:ogc:def:crs:EPSG::31370") -> Path:
    """Lambert 72 points with a pre-RFC 7946 "crs" member naming `crs_name`."""
    return _write_json(path, _collection(_lambert_points(), crs=crs_name))


def metres_without_crs_geojson(
    path: Path, center: tuple[float, float] = (150_000, 170_000)
) -> Path:
    """Squares of 200 m around `center` (Brussels in Lambert 72 by default), no "crs"."""
    x, y = center
    features = [
        _feature({"type": "Polygon", "coordinates": [square(x + dx, y + dy, 200)]}, n=i)
        for i, (dx, dy) in enumerate([(-500, -500), (0, 0), (300, 400)])
    ]
    return _write_json(path, _collection(features))


def degrees_geojson(path: Path) -> Path:
    """RFC 7946 GeoJSON: points over Brussels in degrees, no "crs"."""
    features = [
        _feature({"type": "Point", "coordinates": list(site_lonlat(i, 4))}, name=NAMES[i])
        for i in range(4)
    ]
    return _write_json(path, _collection(features))


def shapefile_zip(
    path: Path,
    *,
    cpg: bool = True,
    encoding: str = "UTF-8",
    prj: str | None = "esri31370",
    folder: str = "",
    n: int = 4,
) -> Path:
    """A zipped shapefile "sites" of n points in Lambert 72 (ref, name, staff), its .dbf
    in `encoding`, with or without .cpg, with the ESRI .prj or none, inside `folder`."""
    table = pa.table({
        "ref": [f"B{i + 1}" for i in range(n)],
        "name": [NAMES[i % len(NAMES)] for i in range(n)],
        "staff": pa.array([10 * (i + 1) for i in range(n)], pa.int32()),
        "geometry": pa.array(
            [point(149_000 + 500 * i, 170_000 + 250 * i) for i in range(n)], pa.binary()
        ),
    })  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / "sites.shp"
        _write(table, shp, driver="ESRI Shapefile", geometry_type="Point", encoding=encoding)
        if not cpg:
            shp.with_suffix(".cpg").unlink()
        if prj == "esri31370":
            shp.with_suffix(".prj").write_text(ESRI_31370)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(tmp).iterdir()):
                archive.write(part, f"{folder}{part.name}")
    return path


def csv_lonlat(
    path: Path,
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    delimiter: str = ",",
    decimal_comma: bool = False,
    n: int = 5,
) -> Path:
    """Columns ref, name, lon, lat, staff; points over Brussels in degrees."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["ref", "name", "lon", "lat", "staff"])
    for i in range(n):
        lon, lat = (f"{value:.6f}" for value in site_lonlat(i, n))
        if decimal_comma:
            lon, lat = lon.replace(".", ","), lat.replace(".", ",")
        writer.writerow([f"C{i + 1}", NAMES[i % len(NAMES)], lon, lat, (i + 1) * 3])
    data = out.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def csv_wkt(path: Path, *, srid: int | None = None, bad_row: int | None = None) -> Path:
    """Columns id, name, wkt: three Lambert 72 squares (EWKT when `srid`); row `bad_row`
    holds a WKT that does not parse."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["id", "name", "wkt"])
    for i in range(3):
        ring = ", ".join(f"{x:g} {y:g}" for x, y in square(150_000 + 1_000 * i, 170_000, 500))
        wkt = f"POLYGON (({ring}))"
        if srid:
            wkt = f"SRID={srid};{wkt}"
        if bad_row == i + 1:
            wkt = "POLYGON ((150000 170000, 150500"
        writer.writerow([i + 1, NAMES[i], wkt])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def flatgeobuf(path: Path, n: int = 5) -> Path:
    """n points around Brussels in ETRS89-LAEA (EPSG:3035); name, staff."""
    table = pa.table({
        "name": [NAMES[i % len(NAMES)] for i in range(n)],
        "staff": pa.array([i + 1 for i in range(n)], pa.int64()),
        "geometry": pa.array(
            [point(3_930_000 + 100 * i, 3_110_000 + 50 * i) for i in range(n)], pa.binary()
        ),
    })  # fmt: skip
    _write(table, path, driver="FlatGeobuf", geometry_type="Point", crs="EPSG:3035",
           layer_options={"SPATIAL_INDEX": "NO"})  # fmt: skip
    return path


def many_points_gpkg(path: Path, n: int = 100_000) -> Path:
    """A large "sites" layer, for the reading speed."""
    table = pa.table({
        "ref": [f"S{i}" for i in range(n)],
        "staff": pa.array(range(n), pa.int32()),
        "share": pa.array([i / 7 for i in range(n)], pa.float64()),
        "geometry": pa.array([point(*site_lonlat(i % 997, 997)) for i in range(n)], pa.binary()),
    })  # fmt: skip
    _write(table, path, driver="GPKG", layer="sites", geometry_type="Point", crs="EPSG:4326")
    return path


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, zipfile.ZIP_DEFLATED)
    return path


# --- Awkward and broken files ----------------------------------------------------------


def bowtie_geojson(path: Path) -> Path:
    """A self-intersecting polygon (a bow tie): valid GeoJSON, invalid geometry."""
    ring = [[4.30, 50.80], [4.40, 50.90], [4.40, 50.80], [4.30, 50.90], [4.30, 50.80]]
    return _write_json(path, _collection([_feature({"type": "Polygon", "coordinates": [ring]})]))


def million_vertex_geojson(path: Path, vertices: int = 1_000_000) -> Path:
    """One polygon of `vertices` vertices (a saw tooth, metres), then an ordinary square."""
    teeth = ",".join(f"[{i},{(i % 2) * 10}]" for i in range(vertices - 3))
    ring = f"[[0,-100],{teeth},[{vertices},-100],[0,-100]]"
    small = json.dumps(_feature({"type": "Polygon", "coordinates": [square(0, 0, 10)]}, n=2))
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n":1},'
        f'"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}},{small}]}}',
        encoding="utf-8",
    )
    return path


def nested_collection_geojson(path: Path) -> Path:
    """A GeometryCollection holding a GeometryCollection, then an ordinary point."""
    inner = {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [2, 2]}]}
    nested = {"type": "GeometryCollection",
              "geometries": [{"type": "Point", "coordinates": [1, 1]}, inner]}  # fmt: skip
    features = [_feature(nested, n=1), _feature({"type": "Point", "coordinates": [3, 3]}, n=2)]
    return _write_json(path, _collection(features))


def nan_geojson(path: Path) -> Path:
    """Row 1: a line with a NaN (the literal GDAL accepts); row 2: a point with a NaN,
    which GDAL reads as POINT EMPTY; row 3: an ordinary point."""
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"n":1},"geometry":{"type":"LineString",'
        '"coordinates":[[4.30,50.80],[NaN,50.85]]}},'
        '{"type":"Feature","properties":{"n":2},"geometry":{"type":"Point",'
        '"coordinates":[4.35,NaN]}},'
        '{"type":"Feature","properties":{"n":3},"geometry":{"type":"Point",'
        '"coordinates":[4.35,50.85]}}]}',
        encoding="utf-8",
    )
    return path


def truncated_geojson(path: Path) -> Path:
    """A FeatureCollection of 20 points cut off in the middle of a feature."""
    text = json.dumps(_collection([
        _feature({"type": "Point", "coordinates": list(site_lonlat(i, 20))}, n=i)
        for i in range(20)
    ]))  # fmt: skip
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    return path


def vrt_as_geojson(path: Path) -> Path:
    """An OGR VRT that would show /etc/passwd as a layer, saved under a .geojson name."""
    path.write_text(
        "<OGRVRTDataSource>\n"
        '  <OGRVRTLayer name="passwd">\n'
        "    <SrcDataSource>CSV:/etc/passwd</SrcDataSource>\n"
        "  </OGRVRTLayer>\n"
        "</OGRVRTDataSource>\n",
        encoding="utf-8",
    )
    return path


def gml(path: Path) -> Path:
    path.write_text(
        '<?xml version="1.0"?>\n<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml">'
        "</gml:FeatureCollection>\n",
        encoding="utf-8",
    )
    return path


def sqlite_not_gpkg(path: Path) -> Path:
    """A plain SQLite database (no GeoPackage application id)."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x INTEGER)")
    return path


def latin1_csv_after_2kb(path: Path) -> Path:
    """Plain ASCII rows for over 3 KB, then one row with a Latin-1 'é' (byte 0xE9)."""
    lines = ["ref,name,lon,lat"]
    i = 0
    while sum(len(line) + 1 for line in lines) < 3_200:
        lon, lat = site_lonlat(i, 100)
        lines.append(f"A{i},Atelier {i},{lon},{lat}")
        i += 1
    lines.append(f"A{i},Café,4.35,50.85")
    path.write_bytes(("\n".join(lines) + "\n").encode("iso-8859-1"))
    return path


def oversized(path: Path, mb: int = 2) -> Path:
    with path.open("wb") as fh:
        fh.write(b'{"type": "FeatureCollection", "features": []}')
        fh.write(b" " * (mb * 1024 * 1024))
    return path


# --- Hostile zips ----------------------------------------------------------------------


def zip_with_traversal(path: Path) -> Path:
    """Members '../evil.shp' (up out of the folder) and an absolute one (TRAVERSAL_TARGET)."""
    return zip_of(path, {"../evil.shp": b"evil", TRAVERSAL_TARGET: b"evil", "ok.csv": b"a,b\n"})


def zip_with_symlink(path: Path) -> Path:
    """A member that is a symbolic link to /etc/passwd."""
    link = zipfile.ZipInfo("sites.csv")
    link.create_system = 3  # Unix
    link.external_attr = (0o120777) << 16  # S_IFLNK
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(link, "/etc/passwd")
    return path


def zip_bomb(path: Path, size_mb: int = 200) -> Path:
    """One member of `size_mb` MB of zeros, deflated to about a thousandth of that."""
    member = zipfile.ZipInfo("sites.csv")
    member.compress_type = zipfile.ZIP_DEFLATED
    zeros = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w") as archive, archive.open(member, "w", force_zip64=True) as w:
        for _mb in range(size_mb):
            w.write(zeros)
    return path


def zip_incompressible(path: Path, size_mb: int = 2) -> Path:
    """A CSV of random hex of `size_mb` MB: a fair ratio, for the unpacked-size limit."""
    rows = "\n".join(os.urandom(32).hex() for _row in range(size_mb * 1024 * 1024 // 65))
    return zip_of(path, {"sites.csv": f"id\n{rows}\n".encode()})


def zip_many_entries(path: Path, n: int = 60) -> Path:
    return zip_of(path, {f"part{i:03d}.txt": b"x" for i in range(n)})


def zip_lying_sizes(path: Path) -> Path:
    """A member whose headers say it unpacks to 1,000 bytes; it holds 500 KB of CSV."""
    body = b"id,name\n" + b"".join(b"%d,name %d\n" % (i, i) for i in range(40_000))
    zip_of(path, {"sites.csv": body})
    data = bytearray(path.read_bytes())
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, 1_000)  # uncompressed size, local header
    struct.pack_into("<I", data, central + 24, 1_000)  # ... and central directory
    path.write_bytes(bytes(data))
    return path


def zip_two_shapefiles(path: Path) -> Path:
    """Two shapefiles in two folders of one zip."""
    with tempfile.TemporaryDirectory() as tmp:
        one, two = Path(tmp) / "one.zip", Path(tmp) / "two.zip"
        shapefile_zip(one, folder="north/")
        shapefile_zip(two, folder="south/")
        with zipfile.ZipFile(path, "w") as out:
            for part in (one, two):
                with zipfile.ZipFile(part) as archive:
                    for info in archive.infolist():
                        out.writestr(info, archive.read(info))
    return path


def zip_in_zip(path: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        inner = shapefile_zip(Path(tmp) / "inner.zip")
        return zip_of(path, {"inner.csv": inner.read_bytes()})


def copy_as(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target
