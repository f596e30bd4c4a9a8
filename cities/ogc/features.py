"""A page of a collection's features, built by PostGIS and paged by keyset (`after` the last id).

The layer's public rows (its catalogue SQL) are wrapped: the page is read in id order
from the row after the last one seen, one row more than asked to know whether another page
follows. No OFFSET, so the page at the millionth feature costs what the first does.

The same statement names the page's datasets (its licence). `numberMatched` is free when
the whole answer fits on the page; otherwise it is counted once per state of the data and
kept in the cache under the layer's data version (cities_dataversion, bumped by the
database on every write), so a first page does not count a million rows each time.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import connection

from cities.layers import LayerFilters
from cities.ogc.collections import Collection
from cities.ogc.cql2 import Condition
from cities.ogc.crs import DEFAULT, Crs
from portal.soft_cache import soft_get, soft_set

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 100
# numberMatched is given up to this many features: no COUNT over a whole big table on a
# request (GDAL then reads the pages without a total).
COUNT_CAP = 100_000
# The layers whose changes the database counts in cities_dataversion (migration 0007):
# their counts are cached under that version. Other layers are small and counted each time.
VERSIONED = frozenset({"sites", "zones", "districts", "context"})
COUNT_TTL = 24 * 3600


_PAGE = """
WITH page AS (
  SELECT r.* FROM ({rows}) AS r WHERE r.id > %(after)s{condition}
  ORDER BY r.id LIMIT %(limit)s + 1
), numbered AS (
  SELECT page.*, row_number() OVER (ORDER BY page.id) AS n FROM page
)
SELECT COALESCE(json_agg(json_build_object(
           'type', 'Feature', 'id', numbered.id,
           'geometry', {geometry},
           'properties', {properties})
         ORDER BY numbered.id) FILTER (WHERE n <= %(limit)s), '[]')::text,
       count(*) FILTER (WHERE n <= %(limit)s),
       count(*) > %(limit)s,
       max(numbered.id) FILTER (WHERE n <= %(limit)s),
       {datasets}
FROM numbered
"""

_ONE = """
SELECT json_build_object('type', 'Feature', 'id', r.id,
         'geometry', {geometry}, 'properties', {properties})::text
FROM ({rows}) AS r WHERE r.id = %(fid)s
"""


@dataclass(frozen=True)
class Page:
    features: str  # a JSON array, built by PostGIS
    returned: int
    next_after: int | None
    matched: int | None
    datasets: tuple[str, ...] = ()  # the slugs of the page's datasets


def properties_sql(collection: Collection, alias: str) -> str:
    """The layer's fields as a JSON object, built as text (json, not jsonb: no parsing, and
    in the fields' order)."""
    pairs = ", ".join(f"'{name}', {alias}.\"{name}\"" for name in collection.layer.field_names)
    return f"json_build_object({pairs})"


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
    sql, params = collection.layer.rows(filters)  # they hold the collection's part
    params = {**params, "after": after, "limit": limit}
    where = ""
    if condition is not None:
        where = f" AND {condition.sql}"
        params.update(condition.params)
    datasets = "NULL::text[]"
    if "dataset" in collection.layer.field_names:
        datasets = "array_agg(DISTINCT numbered.dataset) FILTER (WHERE n <= %(limit)s)"
    statement = _PAGE.format(
        rows=sql,
        geometry=crs.geometry_sql("numbered.geom"),
        properties=properties_sql(collection, "numbered"),
        condition=where,
        datasets=datasets,
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        features, returned, more, last, slugs = cursor.fetchone()
    matched = None
    if count:
        matched = returned if not more else _matched(collection, sql, where, params)
    return Page(features, returned, last if more else None, matched, tuple(sorted(slugs or ())))


def _matched(collection: Collection, rows: str, where: str, params: dict) -> int | None:
    """How many rows match, up to COUNT_CAP (None past it): from the cache when the layer's
    data have not changed since it was counted with the same filters."""
    count_params = {k: v for k, v in params.items() if k not in {"after", "limit"}}
    key = None
    if collection.layer.slug in VERSIONED:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) || '.' || coalesce(sum(version), 0) || '.'"
                " || coalesce(extract(epoch FROM max(changed_at)), 0),"
                " (SELECT string_agg(id || ':' || embargo_until, ',' ORDER BY id)"
                "  FROM cities_dataset WHERE embargo_until > CURRENT_DATE)"
                " FROM cities_dataversion WHERE layer = %s",
                [collection.layer.slug],
            )
            # Any write bumps one version and its time; a city removed and another added
            # cannot give back the same three. An embargo set, lifted or ended changes
            # which rows are public.
            state, embargoes = cursor.fetchone()
            state = f"{state}.{hashlib.sha256((embargoes or '').encode()).hexdigest()[:8]}"
        text = json.dumps([rows, where, count_params], sort_keys=True, default=str)
        digest = hashlib.sha256(text.encode()).hexdigest()[:32]
        key = f"ogc:matched:{collection.layer.slug}:{state}:{digest}"
        cached = soft_get(key)  # a cache outage costs a count, not the page
        if cached is not None:
            return cached if cached >= 0 else None  # -1: past the cap
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM ({rows}) AS r WHERE true{where}"  # noqa: S608
            f" LIMIT {COUNT_CAP + 1}) AS capped",
            count_params,
        )
        matched = cursor.fetchone()[0]
    matched = matched if matched <= COUNT_CAP else None
    if key is not None:
        soft_set(key, -1 if matched is None else matched, COUNT_TTL)
    return matched


def feature(
    collection: Collection, fid: int, crs: Crs = DEFAULT, readable: tuple[int, ...] = ()
) -> str | None:
    filters = LayerFilters(part=collection.part, readable=readable)
    sql, params = collection.layer.rows(filters)
    with connection.cursor() as cursor:
        statement = _ONE.format(
            rows=sql,
            geometry=crs.geometry_sql("r.geom"),
            properties=properties_sql(collection, "r"),
        )
        cursor.execute(statement, {**params, "fid": fid})
        row = cursor.fetchone()
    return row[0] if row else None
