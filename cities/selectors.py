"""Reads of the spatial base: querysets and the figures the city pages show."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from cities.models import (
    City,
    ContextLayer,
    Dataset,
    District,
    Indicator,
    LandZone,
    MaterialFlow,
    Sector,
    Site,
)
from cities.visibility import embargo_clause, visible


def city_list() -> QuerySet[City]:
    return (
        City.objects.select_related("dataset")
        .annotate(district_count=Count("districts"))
        .defer("outline")
        .order_by("name")
    )


def district_list(*, city: City | None = None) -> QuerySet[District]:
    qs = District.objects.select_related("city", "dataset").order_by("city__slug", "name")
    if city is not None:
        qs = qs.filter(city=city)
    return qs


def indicator_series(*, city: City, key: str, top: int = 6) -> dict:
    """City totals of an indicator by year for its `top` sectors (the rest summed as other)."""
    rows = list(
        visible(Indicator.objects.filter(city=city, key=key, district__isnull=True))
        .filter(sector__isnull=False)
        .values_list("year", "sector_id", "value")
        .order_by("year")
    )
    if not rows:
        return {"years": [], "series": []}
    last_year = max(year for year, _, _ in rows)
    latest = sorted(((v, s) for y, s, v in rows if y == last_year), reverse=True)
    leaders = [sector for _, sector in latest[:top]]
    years = sorted({year for year, _, _ in rows})
    names = dict(Sector.objects.filter(code__in=leaders).values_list("code", "name"))
    values: dict[object, dict[int, float]] = {}
    for year, sector, value in rows:
        group = sector if sector in leaders else "other"
        values.setdefault(group, {}).setdefault(year, 0.0)
        values[group][year] += value
    series = [
        {"label": f"{code} {names[code]}", "values": [values[code].get(y, 0) for y in years]}
        for code in leaders
    ]
    if "other" in values:
        series.append(
            {"label": str(_("Other sectors")), "values": [values["other"].get(y, 0) for y in years]}
        )
    return {"years": years, "series": series}


def indicator_by_district(*, city: City, key: str, year: int | None = None) -> dict:
    """An indicator's total per district in a year (the latest by default), largest first."""
    qs = visible(
        Indicator.objects.filter(city=city, key=key, district__isnull=False, sector__isnull=True)
    )
    if year is None:
        year = qs.order_by("-year").values_list("year", flat=True).first()
    rows = qs.filter(year=year).values_list("district__name", "value").order_by("-value")
    return {"year": year, "rows": [{"district": name, "value": value} for name, value in rows]}


def indicator_years(*, city: City) -> list[int]:
    return list(
        visible(Indicator.objects.filter(city=city))
        .values_list("year", flat=True)
        .distinct()
        .order_by("year")
    )


def flow_years(*, city: City) -> list[int]:
    return list(
        visible(MaterialFlow.objects.filter(city=city))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )


def zone_years(*, city: City) -> list[int]:
    return list(
        visible(LandZone.objects.filter(city=city))
        .values_list("reference_year", flat=True)
        .distinct()
        .order_by("reference_year")
    )


def zone_area_by_year(*, city: City) -> list[dict]:
    """Hectares of industrial land per reference year."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT reference_year, sum(ST_Area(geom::geography)) / 1e4
            FROM cities_landzone WHERE city_id = %(city)s AND {embargo_clause("dataset_id")}
            GROUP BY 1 ORDER BY 1
            """,  # noqa: S608 (the clause is fixed text)
            {"city": city.pk, "readable": []},
        )
        return [{"year": year, "hectares": round(ha, 1)} for year, ha in cursor.fetchall()]


def context_layers(*, city: City) -> QuerySet[ContextLayer]:
    return ContextLayer.objects.filter(city=city).select_related("dataset").order_by("slug")


def city_totals(*, city: City) -> dict:
    """Each indicator's latest city-wide total, with its change since the first year."""
    rows = (
        visible(Indicator.objects.filter(city=city, district__isnull=True, sector__isnull=True))
        .values_list("key", "year", "value")
        .order_by("key", "year")
    )
    totals: dict[str, dict] = {}
    for key, year, value in rows:
        entry = totals.setdefault(key, {"since": year, "start": value})
        entry.update(year=year, value=value)
    for entry in totals.values():
        start = entry["start"]
        entry["change"] = round((entry["value"] - start) / start * 100, 1) if start else None
    return totals


# The datasets behind a city's page. Sites can be millions: their distinct
# datasets are found by skipping through the (city_id, dataset_id) index one
# dataset at a time (a "loose index scan"), never by reading every site.
_CITY_DATASETS_SQL = """
WITH RECURSIVE site_datasets AS (
  SELECT min(dataset_id) AS id FROM cities_site WHERE city_id = %(city)s
  UNION ALL
  SELECT (SELECT min(dataset_id) FROM cities_site
          WHERE city_id = %(city)s AND dataset_id > site_datasets.id)
  FROM site_datasets WHERE site_datasets.id IS NOT NULL
)
SELECT d.* FROM cities_dataset d
WHERE (d.embargo_until IS NULL OR d.embargo_until <= CURRENT_DATE) AND (d.id = %(own)s
   OR d.id IN (SELECT id FROM site_datasets)
   OR d.id IN (SELECT dataset_id FROM cities_district WHERE city_id = %(city)s)
   OR d.id IN (SELECT dataset_id FROM cities_landzone WHERE city_id = %(city)s)
   OR d.id IN (SELECT dataset_id FROM cities_materialflow WHERE city_id = %(city)s)
   OR d.id IN (SELECT dataset_id FROM cities_contextlayer WHERE city_id = %(city)s)
   OR EXISTS (SELECT 1 FROM cities_indicator i WHERE i.city_id = %(city)s AND i.dataset_id = d.id))
ORDER BY d.name
"""


def city_has_sites(*, city: City) -> bool:
    return Site.objects.filter(city=city).exists()


def city_datasets(*, city: City) -> list[Dataset]:
    """Every dataset behind what the city page shows, for its sources list."""
    return list(Dataset.objects.raw(_CITY_DATASETS_SQL, {"city": city.pk, "own": city.dataset_id}))


@dataclass(frozen=True)
class SitePage:
    features: str  # a JSON array, built by PostGIS
    count: int
    next_after: int | None
    datasets: tuple[str, ...] = ()  # the slugs of the page's datasets


# One page of sites by id (keyset: no OFFSET), its features built in SQL, each with its
# id at the top level as RFC 7946 has it (GDAL and QGIS take it as the feature id). One
# row more than the page is read to know whether another page follows; the
# primary key's index gives the rows in order, so only those rows are read.
_SITE_PAGE_SQL = """
WITH page AS (
  SELECT s.id, s.external_id, s.name, c.slug AS city, s.sector_id AS sector, s.employees,
         s.floor_area_m2, s.year_opened, s.year_closed, d.slug AS dataset, s.geom
  FROM cities_site s
  JOIN cities_city c ON c.id = s.city_id
  JOIN cities_dataset d ON d.id = s.dataset_id
  WHERE s.id > %(after)s {filters}
  ORDER BY s.id
  LIMIT %(limit)s + 1
), last AS (
  SELECT max(id) AS id FROM (SELECT id FROM page ORDER BY id LIMIT %(limit)s) AS first_rows
)
SELECT COALESCE(jsonb_agg(ST_AsGeoJSON(page.*, 'geom', 6)::jsonb
                          || jsonb_build_object('id', page.id) ORDER BY page.id)
                FILTER (WHERE page.id <= last.id), '[]')::text,
       count(page.id) FILTER (WHERE page.id <= last.id),
       count(page.id) > %(limit)s,
       last.id,
       COALESCE(array_agg(DISTINCT page.dataset) FILTER (WHERE page.id <= last.id), '{{}}')
FROM last LEFT JOIN page ON true
GROUP BY last.id
"""


def site_page(
    *,
    city_id: int | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    sector: list[int] | None = None,
    active_in: int | None = None,
    limit: int = 100,
    after: int = 0,
    readable: tuple[int, ...] = (),
) -> SitePage:
    filters = [f"AND {embargo_clause('s.dataset_id')}"]
    params = {"after": after, "limit": limit, "readable": list(readable)}
    if city_id is not None:
        # The id itself, not a subquery: with a literal the planner takes the
        # (city_id, id) index instead of walking every site by primary key.
        filters.append("AND s.city_id = %(city_id)s")
        params["city_id"] = city_id
    if bbox:
        filters.append("AND s.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)")
        params.update(zip(("w", "s", "e", "n"), bbox, strict=True))
    if sector:
        filters.append("AND s.sector_id = ANY(%(sector)s)")
        params["sector"] = sector
    if active_in is not None:
        filters.append(
            "AND (s.year_opened IS NULL OR s.year_opened <= %(year)s)"
            " AND (s.year_closed IS NULL OR s.year_closed > %(year)s)"
        )
        params["year"] = active_in
    with connection.cursor() as cursor:
        cursor.execute(_SITE_PAGE_SQL.format(filters=" ".join(filters)), params)
        features, count, more, last_id, datasets = cursor.fetchone()
    return SitePage(
        features=features,
        count=count,
        next_after=last_id if more else None,
        datasets=tuple(datasets),
    )
