"""OGC API - Features Part 2: the coordinate systems features are served in and bboxes given in.

CRS84 (longitude, latitude) is the default. EPSG:4326 is the same datum with the EPSG axis
order, latitude first, so its coordinates are swapped. The others are metric: Web Mercator,
ETRS89-LAEA Europe, and the national grids of the partner cities (Belgian Lambert 72,
British National Grid, Dutch RD New).
"""

from dataclasses import dataclass

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int
    lat_first: bool = False  # EPSG:4326's axis order
    digits: int = 2  # metres to the centimetre

    def geometry_sql(self, column: str) -> str:
        """The GeoJSON geometry of `column` (EPSG:4326) in this CRS, as json (text)."""
        if self.uri == CRS84:
            return f"ST_AsGeoJSON({column}, 6)::json"
        if self.lat_first:
            return f"ST_AsGeoJSON(ST_FlipCoordinates({column}), 6)::json"
        return f"ST_AsGeoJSON(ST_Transform({column}, {self.srid}), {self.digits})::json"


def _epsg(code: int, **kwargs) -> Crs:
    return Crs(f"http://www.opengis.net/def/crs/EPSG/0/{code}", code, **kwargs)


SUPPORTED = {
    c.uri: c
    for c in (
        Crs(CRS84, 4326, digits=6),
        _epsg(4326, lat_first=True, digits=6),
        _epsg(3857),
        _epsg(3035),
        _epsg(31370),
        _epsg(27700),
        _epsg(28992),
    )
}
DEFAULT = SUPPORTED[CRS84]


class CrsError(ValueError):
    pass


def crs_for(raw: str | None) -> Crs:
    """The CRS a parameter names, by its URI (or the short `EPSG:<code>` / `CRS84`)."""
    if not raw:
        return DEFAULT
    text = raw.strip().strip("[]")
    if text.upper() in ("CRS84", "OGC:CRS84"):
        return DEFAULT
    if text.upper().startswith("EPSG:") and text[5:].isdecimal():
        text = f"http://www.opengis.net/def/crs/EPSG/0/{int(text[5:])}"
    found = SUPPORTED.get(text)
    if found is None:
        raise CrsError(f"This CRS is not served: {raw}. Served: {', '.join(SUPPORTED)}.")
    return found


def bbox_in_wgs84_sql() -> str:
    """SQL giving a bbox given in %(srid)s as longitude/latitude bounds (a superset)."""
    return (
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Transform("
        "ST_MakeEnvelope(%(a)s, %(b)s, %(c)s, %(d)s, %(srid)s), 4326) AS e) AS t"
    )
