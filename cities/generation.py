"""Synthetic manufacturing sites, generated in set-based SQL, and thinning for tiles.

Used by the demo loader (5,000 sites a city) and by `manage.py generate_sites`
(a million in well under two minutes). Every generated site is filed under a
dataset labelled synthetic.
"""

from dataclasses import dataclass

from django.db import connection, transaction

from cities.models import MAX_TILE_DETAIL_ZOOM, THINNED_ZOOMS, City, Dataset
from cities.tile_versions import bump_layer_version

# Rough shares of manufacturing establishments by NACE division in north-west
# European cities (illustrative, not sourced): repair, metalwork, food, printing
# and "other manufacturing" dominate; tobacco and refining are nearly absent.
SECTOR_WEIGHTS: dict[int, float] = {
    10: 12, 11: 2, 12: 0.1, 13: 3, 14: 4, 15: 1, 16: 4, 17: 1, 18: 10, 19: 0.1, 20: 2, 21: 1,
    22: 3, 23: 3, 24: 1, 25: 14, 26: 3, 27: 2, 28: 4, 29: 1, 30: 1, 31: 6, 32: 10, 33: 11,
}  # fmt: skip

# Words for synthetic site names, by division.
SECTOR_WORDS: dict[int, str] = {
    10: "Food Works", 11: "Brewery", 12: "Tobacco Works", 13: "Textile Mill", 14: "Garment Studio",
    15: "Leather Workshop", 16: "Timber Works", 17: "Paper Works", 18: "Print Studio",
    19: "Fuel Depot", 20: "Chemicals", 21: "Pharma Lab", 22: "Plastics", 23: "Ceramics",
    24: "Foundry", 25: "Metalworks", 26: "Electronics", 27: "Electrical Works", 28: "Machine Shop",
    29: "Vehicle Works", 30: "Boatyard", 31: "Furniture Workshop", 32: "Makers' Studio",
    33: "Repair Works",
}  # fmt: skip

# Share of generated sites placed on industrial land (the rest spread over the city).
ON_INDUSTRIAL_LAND = 0.65

# A site is drawn on its own from the lowest zoom at which it is among the
# CELL_CAPACITY biggest sites of its grid cell (a tile is CELLS_PER_TILE² cells),
# so no thinned tile holds more than CELL_CAPACITY * CELLS_PER_TILE² sites.
CELLS_PER_TILE = 32
CELL_CAPACITY = 8
WEB_MERCATOR_WIDTH = 40_075_016.685578488

_GENERATE_SQL = """
WITH zones AS (
  SELECT geom, ST_Area(geom::geography) AS area,
         sum(ST_Area(geom::geography)) OVER () AS total
  FROM cities_landzone
  WHERE city_id = %(city)s AND reference_year = %(zone_year)s
), zone_points AS (
  SELECT (ST_Dump(ST_GeneratePoints(
            geom, GREATEST(1, round(%(on_land)s * area / total)::int), %(seed)s))).geom AS p,
         true AS on_land
  FROM zones
), spread_points AS (
  SELECT (ST_Dump(ST_GeneratePoints(outline, %(spread)s, %(seed)s + 1))).geom AS p, false
  FROM cities_city WHERE id = %(city)s AND %(spread)s > 0
), points AS (
  SELECT p, on_land, row_number() OVER () AS n
  FROM (SELECT * FROM zone_points UNION ALL SELECT * FROM spread_points) AS all_points
  LIMIT %(count)s
), draws AS (
  SELECT n, p, on_land, random() AS r_sector, random() AS r1, random() AS r2,
         random() AS r_open, random() AS r_close, random() AS r_close_year, random() AS r_area
  FROM points
), shaped AS (
  SELECT n, p, on_land,
         (SELECT code FROM unnest(%(codes)s::int[], %(cumulative)s::float8[]) AS w(code, upto)
          WHERE w.upto >= r_sector ORDER BY w.upto LIMIT 1) AS sector,
         GREATEST(1, floor(exp(r1 * r2 * 6) * CASE WHEN on_land THEN 2 ELSE 1 END))::int
           AS employees,
         1950 + floor(power(r_open, 1.3) * 71)::int AS year_opened,
         r_close, r_close_year, r_area
  FROM draws
)
INSERT INTO cities_site (city_id, dataset_id, external_id, name, sector_id, employees,
                         floor_area_m2, year_opened, year_closed, address, geom, min_zoom)
SELECT %(city)s, %(dataset)s, %(prefix)s || (%(offset)s + n)::text,
       (%(words)s::text[])[sector - 9] || ' #' || (%(offset)s + n)::text,
       sector, employees,
       (employees * (40 + r_area * 60) + 50)::int,
       year_opened,
       CASE WHEN r_close < 0.25 AND year_opened <= 2020
            THEN GREATEST(year_opened, 2009 + floor(r_close_year * 12)::int) END,
       '', p, %(max_zoom)s
FROM shaped
"""


CITY_SITES = "SELECT id, geom_3857, employees FROM cities_site WHERE city_id = %(city)s"


def levels_sql(source: str = CITY_SITES) -> str:
    """SELECT id, level: the lowest zoom at which each site of `source` is drawn on its own
    (sites drawn only at full detail are left out). `source` gives id, geom_3857, employees.

    A site among the CELL_CAPACITY biggest of a cell is among the biggest of the smaller
    cell it lies in too (the grids nest), and every site ahead of it in the bigger cell is
    ahead of it in its own smaller cell as well. So each level needs to rank only the
    sites that made the level below: one sort over the city, then ever fewer rows,
    instead of a sort of every site at every level.
    """
    steps = []
    below = f"({source})"
    for z in reversed(THINNED_ZOOMS):
        steps.append(
            f"r{z} AS (SELECT id, geom_3857, employees FROM ("
            f" SELECT id, geom_3857, employees, row_number() OVER ("
            f"  PARTITION BY floor(ST_X(geom_3857) / {_cell(z)}),"
            f"  floor(ST_Y(geom_3857) / {_cell(z)})"
            f"  ORDER BY employees DESC NULLS LAST, id) AS rank"
            f" FROM {below} AS s) AS ranked WHERE rank <= {CELL_CAPACITY})"
        )
        below = f"r{z}"
    levels = " UNION ALL ".join(f"SELECT id, {z} AS level FROM r{z}" for z in THINNED_ZOOMS)
    return (
        f"WITH {', '.join(steps)} SELECT id, min(level) AS level FROM ({levels}) AS l GROUP BY id"
    )


def _thinning_sql() -> str:
    # Only rows whose level changes are written.
    return f"""
WITH levels AS ({levels_sql()})
UPDATE cities_site s SET min_zoom = COALESCE(levels.level, {MAX_TILE_DETAIL_ZOOM})
FROM cities_site t LEFT JOIN levels ON levels.id = t.id
WHERE s.id = t.id AND t.city_id = %(city)s
  AND s.min_zoom <> COALESCE(levels.level, {MAX_TILE_DETAIL_ZOOM})
"""


def _cell(zoom: int) -> float:
    return WEB_MERCATOR_WIDTH / 2**zoom / CELLS_PER_TILE


@dataclass
class GenerationReport:
    created: int
    thinned: int


@transaction.atomic
def sites_generate(
    *, city: City, dataset: Dataset, count: int, seed: float = 0.42, zone_year: int = 2009
) -> GenerationReport:
    """Create `count` synthetic sites in a city, most of them on its industrial land."""
    if not dataset.is_synthetic:
        raise ValueError("generated sites belong in a dataset labelled synthetic")
    if count < 1:
        raise ValueError("count must be at least 1")
    codes = sorted(SECTOR_WEIGHTS)
    total = sum(SECTOR_WEIGHTS.values())
    cumulative, running = [], 0.0
    for code in codes:
        running += SECTOR_WEIGHTS[code] / total
        cumulative.append(running)
    cumulative[-1] = 1.0
    with connection.cursor() as cursor:
        # One plan, one order: parallel workers would make the random draws unrepeatable.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            "SELECT count(*) FROM cities_landzone WHERE city_id = %s AND reference_year = %s",
            [city.pk, zone_year],
        )
        has_land = cursor.fetchone()[0] > 0
        on_land = round(count * ON_INDUSTRIAL_LAND) if has_land else 0
        cursor.execute(
            "SELECT count(*) FROM cities_site WHERE dataset_id = %s AND city_id = %s",
            [dataset.pk, city.pk],
        )
        offset = cursor.fetchone()[0]
        cursor.execute(
            _GENERATE_SQL,
            {
                "city": city.pk,
                "dataset": dataset.pk,
                "zone_year": zone_year,
                "on_land": on_land,
                # The zones' rounding may fall short: spread enough to reach the count.
                "spread": count - on_land + (len(SECTOR_WEIGHTS) if on_land else 0),
                "count": count,
                "seed": int(seed * 1_000_000),
                "codes": codes,
                "cumulative": cumulative,
                "words": [SECTOR_WORDS[c] for c in range(10, 34)],
                "prefix": f"{city.slug}-",
                "offset": offset,
                "max_zoom": MAX_TILE_DETAIL_ZOOM,
            },
        )
        created = cursor.rowcount
        # Fresh statistics, or the planner would take a million new rows for a few hundred.
        cursor.execute("ANALYZE cities_site")
    thinned = sites_thin(city=city)
    bump_layer_version("sites")
    return GenerationReport(created=created, thinned=thinned)


@transaction.atomic
def sites_thin(*, city: City) -> int:
    """Recompute which sites are drawn at which zoom; returns how many changed level."""
    with connection.cursor() as cursor:
        cursor.execute(_thinning_sql(), {"city": city.pk})
        changed = cursor.rowcount
    if changed:
        bump_layer_version("sites")
    return changed
