"""Vector tiles (Mapbox Vector Tile) built by PostGIS with ST_AsMVT, cached in Redis.

Each layer filters on its indexed EPSG:3857 column with `&& ST_TileEnvelope`
(the indexed column is never transformed in the predicate), clips with
ST_AsMVTGeom and keeps its attributes to the few the map needs. Sites are
thinned by zoom: below MAX_TILE_DETAIL_ZOOM a tile draws only the sites whose
`min_zoom` allows it (see cities/generation.py), which bounds every tile's size.
Ids travel as a property (`id`), where Leaflet.VectorGrid hands them to a click.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.http import QueryDict
from django.utils.translation import gettext as _

from cities.layers import tiled_layers
from cities.models import MAX_TILE_DETAIL_ZOOM, THINNED_ZOOMS
from cities.tile_versions import layer_version
from cities.visibility import embargo_clause
from portal.soft_cache import soft_get, soft_set

# The city map stops at 18; deeper tiles would only multiply cache entries.
MAX_ZOOM = 18
EXTENT = 4096
BUFFER = 64
TILE_CACHE_SECONDS = 24 * 3600
# Below the first thinned zoom a tile may span several cities: cap its sites.
OVERVIEW_SITE_LIMIT = 10_000
# Without a year, zones tiles show this one (the demo data's later year).
DEFAULT_ZONE_YEAR = 2019


class TileRequestError(ValueError):
    """Bad tile coordinates or filters: a 400 with this message."""


@dataclass(frozen=True)
class TileQuery:
    sql: str
    params: dict
    # The filters as understood (normalised), part of the cache key.
    filters: str = ""


def _sectors(query: QueryDict) -> list[int] | None:
    raw = query.get("sector", "").strip()
    if not raw:
        return None
    try:
        codes = sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError:
        raise TileRequestError(
            _("sector must be NACE division numbers, e.g. 25 or 10,25.")
        ) from None
    if not codes or not all(10 <= code <= 33 for code in codes):
        raise TileRequestError(_("sector must be NACE manufacturing divisions from 10 to 33."))
    return codes


def _zone_year(query: QueryDict) -> int:
    raw = query.get("year", str(DEFAULT_ZONE_YEAR))
    if not raw.isdecimal() or not 1800 <= int(raw) <= 2100:
        raise TileRequestError(_("year must be a year, e.g. 2019."))
    return int(raw)


def sites_tile(z: int, x: int, y: int, query: QueryDict) -> TileQuery:
    sectors = _sectors(query)
    if z >= MAX_TILE_DETAIL_ZOOM:
        thinning, limit = "", ""
    else:
        # A literal level, so the planner can use that level's partial index.
        level = max(z, THINNED_ZOOMS.start)
        thinning = f"AND s.min_zoom <= {level:d}"
        limit = f"LIMIT {OVERVIEW_SITE_LIMIT:d}" if z < THINNED_ZOOMS.start else ""
    sector_filter = "AND s.sector_id = ANY(%(sectors)s)" if sectors else ""
    sql = f"""
SELECT ST_AsMVT(t.*, 'sites', {EXTENT}, 'geom') FROM (
  SELECT s.id, s.sector_id AS sector,
         ST_AsMVTGeom(s.geom_3857, ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {EXTENT}, {BUFFER}, true)
           AS geom
  FROM cities_site s
  WHERE s.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {BUFFER / EXTENT})
    AND s.year_closed IS NULL {thinning} {sector_filter} AND {embargo_clause("s.dataset_id")}
  {limit}
) AS t
"""  # noqa: S608 (only numbers computed here)
    filters = "sector=" + ",".join(map(str, sectors)) if sectors else ""
    params = {"z": z, "x": x, "y": y, "sectors": sectors, "readable": []}
    return TileQuery(sql, params, filters)


def zones_tile(z: int, x: int, y: int, query: QueryDict) -> TileQuery:
    sql = f"""
SELECT ST_AsMVT(t.*, 'zones', {EXTENT}, 'geom') FROM (
  SELECT l.id, c.code AS category, l.protection,
         ST_AsMVTGeom(l.geom_3857, ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {EXTENT}, {BUFFER}, true)
           AS geom
  FROM cities_landzone l JOIN cities_zoningcategory c ON c.id = l.category_id
  WHERE l.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AND l.reference_year = %(year)s
    AND {embargo_clause("l.dataset_id")}
) AS t
"""  # noqa: S608
    year = _zone_year(query)
    params = {"z": z, "x": x, "y": y, "year": year, "readable": []}
    return TileQuery(sql, params, f"year={year}")


def districts_tile(z: int, x: int, y: int, query: QueryDict) -> TileQuery:
    sql = f"""
SELECT ST_AsMVT(t.*, 'districts', {EXTENT}, 'geom') FROM (
  SELECT d.id, d.name,
         ST_AsMVTGeom(d.geom_3857, ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {EXTENT}, {BUFFER}, true)
           AS geom
  FROM cities_district d
  WHERE d.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AND {embargo_clause("d.dataset_id")}
) AS t
"""  # noqa: S608
    return TileQuery(sql, {"z": z, "x": x, "y": y, "readable": []})


TileBuilder = Callable[[int, int, int, QueryDict], TileQuery]


def check_coordinates(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise TileRequestError(_("z must be between 0 and %(max)s.") % {"max": MAX_ZOOM})
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise TileRequestError(_("x and y must be between 0 and 2^z - 1."))


def tile_query(layer: str, z: int, x: int, y: int, query: QueryDict) -> TileQuery:
    """The SQL that builds one tile (raises KeyError for a layer of the catalogue without tiles)."""
    builder = tiled_layers()[layer].tile
    check_coordinates(z, x, y)
    return builder(z, x, y, query)


def render_tile(tile: TileQuery) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(tile.sql, tile.params)
        return bytes(cursor.fetchone()[0] or b"")


@dataclass(frozen=True)
class Tile:
    data: bytes | None  # None when the client's copy is current (If-None-Match)
    etag: str | None  # None when the layer's version is unknown (the cache is down)


def cached_tile(
    layer: str, z: int, x: int, y: int, query: QueryDict, if_none_match: str | None = None
) -> Tile:
    """A tile from the cache, or built and stored; its ETag follows the layer's data version.

    With the cache unreachable the tile is built from PostGIS and sent without an ETag
    (no version is known to vouch for it)."""
    tile = tile_query(layer, z, x, y, query)  # validates before anything is cached
    version = layer_version(layer)
    if version is None:
        return Tile(render_tile(tile), None)
    key = f"tile:{layer}:{version}:{z}/{x}/{y}:{tile.filters}"
    etag = '"' + hashlib.blake2s(key.encode(), digest_size=12).hexdigest() + '"'
    if if_none_match == etag:
        return Tile(None, etag)
    cacheable = _worth_caching(tile)
    data = soft_get(key) if cacheable else None
    if data is None:
        data = render_tile(tile)
        # Empty tiles (anywhere away from the cities) are cheap to build: caching
        # them would let anyone fill Redis by walking the world's tile grid.
        if cacheable and data:
            soft_set(key, data, TILE_CACHE_SECONDS)
    return Tile(data, etag)


def _worth_caching(tile: TileQuery) -> bool:
    """Unfiltered tiles and single-sector ones: the combinations a map asks for."""
    return "," not in tile.filters
