"""A page of a collection's features, built by PostGIS and paged by keyset (`after` the last id).

The layer's public rows (its catalogue SQL) are wrapped: the page is read in id order
from the row after the last one seen, one row more than asked to know whether another page
follows. No OFFSET, so the page at the millionth feature costs what the first does.
"""

from dataclasses import dataclass

from django.db import connection

from cities.layers import LayerFilters
from cities.ogc.collections import Collection
from cities.ogc.cql2 import Condition
from cities.ogc.crs import DEFAULT, Crs

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 100
# numberMatched is given up to this many features: no COUNT over a whole big table on a
# request (GDAL then reads the pages without a total).
COUNT_CAP = 100_000

_PAGE = """
WITH page AS (
  SELECT r.* FROM ({rows}) AS r WHERE r.id > %(after)s{condition}
  ORDER BY r.id LIMIT %(limit)s + 1
), numbered AS (
  SELECT page.*, row_number() OVER (ORDER BY page.id) AS n FROM page
)
SELECT COALESCE(jsonb_agg(jsonb_build_object(
           'type', 'Feature', 'id', numbered.id,
           'geometry', {geometry},
           'properties', to_jsonb(numbered) - 'geom' - 'n')
         ORDER BY numbered.id) FILTER (WHERE n <= %(limit)s), '[]')::text,
       count(*) FILTER (WHERE n <= %(limit)s),
       count(*) > %(limit)s,
       max(numbered.id) FILTER (WHERE n <= %(limit)s)
FROM numbered
"""

_ONE = """
SELECT jsonb_build_object('type', 'Feature', 'id', r.id,
         'geometry', {geometry}, 'properties', to_jsonb(r) - 'geom')::text
FROM ({rows}) AS r WHERE r.id = %(fid)s
"""


@dataclass(frozen=True)
class Page:
    features: str  # a JSON array, built by PostGIS
    returned: int
    next_after: int | None
    matched: int | None


def filters_of(collection: Collection, filters: LayerFilters) -> LayerFilters:
    if collection.part:
        return LayerFilters(**{**filters.__dict__, "part": collection.part})
    return filters


def page(
    collection: Collection,
    filters: LayerFilters,
    *,
    limit: int,
    after: int,
    count: bool,
    crs: Crs = DEFAULT,
    condition: Condition | None = None,
) -> Page:
    sql, params = collection.layer.rows(filters_of(collection, filters))
    params = {**params, "after": after, "limit": limit}
    where = ""
    if condition is not None:
        where = f" AND {condition.sql}"
        params.update(condition.params)
    with connection.cursor() as cursor:
        geometry = crs.geometry_sql("numbered.geom")
        cursor.execute(_PAGE.format(rows=sql, geometry=geometry, condition=where), params)
        features, returned, more, last = cursor.fetchone()
        matched = None
        if count:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM ({sql}) AS r WHERE true{where}"  # noqa: S608
                f" LIMIT {COUNT_CAP + 1}) AS capped",
                params,
            )
            matched = cursor.fetchone()[0]
            if matched > COUNT_CAP:
                matched = None
    return Page(features, returned, last if more else None, matched)


def feature(collection: Collection, fid: int, crs: Crs = DEFAULT) -> str | None:
    sql, params = collection.layer.rows(filters_of(collection, LayerFilters()))
    with connection.cursor() as cursor:
        cursor.execute(
            _ONE.format(rows=sql, geometry=crs.geometry_sql("r.geom")), {**params, "fid": fid}
        )
        row = cursor.fetchone()
    return row[0] if row else None
