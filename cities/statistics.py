"""Indicators derived from sites: jobs, firms and floor area by district, sector and year."""

from django.db import connection, transaction

from cities.models import City, Dataset, Indicator

# A site counts in a year when it was open during it. Sites are placed in
# districts once (a spatial join), then counted for every year in one pass.
_FROM_SITES_SQL = """
WITH placed AS (
  SELECT s.sector_id, s.employees, s.floor_area_m2, s.year_opened, s.year_closed,
         d.id AS district_id
  FROM cities_site s
  JOIN cities_district d ON d.city_id = s.city_id AND ST_Intersects(d.geom, s.geom)
  WHERE s.city_id = %(city)s AND s.dataset_id = %(sites)s
), yearly AS (
  SELECT y AS year, p.*
  FROM placed p
  CROSS JOIN generate_series(%(first)s::int, %(last)s::int) AS y
  WHERE (p.year_opened IS NULL OR p.year_opened <= y)
    AND (p.year_closed IS NULL OR p.year_closed > y)
), grouped AS (
  SELECT year, district_id, sector_id,
         sum(employees)::float8 AS jobs, count(*)::float8 AS firms,
         sum(floor_area_m2)::float8 AS floor_area
  FROM yearly
  -- By district and sector, district totals, city totals by sector, city totals.
  GROUP BY year, GROUPING SETS ((district_id, sector_id), (district_id), (sector_id), ())
)
INSERT INTO cities_indicator (city_id, district_id, key, sector_id, year, value, unit, dataset_id)
SELECT %(city)s, district_id, k.key, sector_id, year,
       CASE k.key WHEN 'manufacturing_jobs' THEN jobs
                  WHEN 'manufacturing_firms' THEN firms ELSE floor_area END,
       k.unit, %(target)s
FROM grouped
CROSS JOIN (VALUES ('manufacturing_jobs', 'jobs'), ('manufacturing_firms', 'firms'),
                   ('productive_floor_area', 'm²')) AS k(key, unit)
"""


@transaction.atomic
def indicators_from_sites(
    *, city: City, sites: Dataset, target: Dataset, first_year: int = 2010, last_year: int = 2020
) -> int:
    """Replace the target dataset's indicators for a city with counts from its sites."""
    if first_year > last_year:
        raise ValueError("first_year must not be after last_year")
    Indicator.objects.filter(city=city, dataset=target).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            _FROM_SITES_SQL,
            {
                "city": city.pk,
                "sites": sites.pk,
                "target": target.pk,
                "first": first_year,
                "last": last_year,
            },
        )
        return cursor.rowcount
