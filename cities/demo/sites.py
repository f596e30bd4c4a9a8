"""5,000 synthetic manufacturing sites a city, and the statistics counted from them."""

import zlib
from datetime import UTC, datetime

from django.db import connection, transaction

from cities.demo.sync import LoadReport, sync
from cities.generation import sites_generate
from cities.models import City, Dataset, Indicator, Site
from cities.statistics import indicators_from_sites

SITES_PER_CITY = 5_000

SITES_DATASET = {
    "slug": "demo-sites",
    "name_en": "Manufacturing sites (synthetic)",
    "name_fr": "Sites de production (synthétique)",
    "name_nl": "Productielocaties (synthetisch)",
    "publisher": "Cities of Making portal",
    "licence": "CC0-1.0",
    "source": "Generated: placed mostly on industrial land, sectors drawn with "
    "illustrative weights.",
    "quality": Dataset.Quality.SYNTHETIC,
    "imported_at": datetime(2026, 1, 1, tzinfo=UTC),
}
STATISTICS_DATASET = {
    "slug": "demo-statistics",
    "name_en": "Manufacturing statistics 2010-2020 (synthetic)",
    "name_fr": "Statistiques industrielles 2010-2020 (synthétique)",
    "name_nl": "Industriestatistieken 2010-2020 (synthetisch)",
    "publisher": "Cities of Making portal",
    "licence": "CC0-1.0",
    "source": "Counted from the synthetic manufacturing sites.",
    "quality": Dataset.Quality.SYNTHETIC,
    "imported_at": datetime(2026, 1, 1, tzinfo=UTC),
}


# Most firms on land that stopped being industrial between 2009 and 2019 closed then.
_CLOSE_ON_LOST_LAND_SQL = """
UPDATE cities_site s
SET year_closed = GREATEST(s.year_opened, 2010 + floor(random() * 10)::int)
WHERE s.city_id = %(city)s AND s.dataset_id = %(dataset)s
  AND (s.year_closed IS NULL OR s.year_closed > 2019)
  AND (s.year_opened IS NULL OR s.year_opened <= 2019)
  AND EXISTS (SELECT 1 FROM cities_landzone z WHERE z.city_id = s.city_id
              AND z.reference_year = 2009 AND ST_Intersects(z.geom, s.geom))
  AND NOT EXISTS (SELECT 1 FROM cities_landzone z WHERE z.city_id = s.city_id
                  AND z.reference_year = 2019 AND ST_Intersects(z.geom, s.geom))
  AND random() < 0.7
"""


def _close_sites_on_lost_land(*, city: City, dataset: Dataset, seed: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(_CLOSE_ON_LOST_LAND_SQL, {"city": city.pk, "dataset": dataset.pk})


def _dataset(spec: dict, report: LoadReport) -> Dataset:
    values = {k: v for k, v in spec.items() if k != "slug"}
    return sync(Dataset, {"slug": spec["slug"]}, values, report)


@transaction.atomic
def load_sites(report: LoadReport) -> None:
    sites = _dataset(SITES_DATASET, report)
    statistics = _dataset(STATISTICS_DATASET, report)
    for city in City.objects.filter(dataset__slug="demo-geography"):
        existing = Site.objects.filter(city=city, dataset=sites).count()
        if existing != SITES_PER_CITY:
            # Generated as a whole from a fixed seed: start again rather than patch.
            Site.objects.filter(city=city, dataset=sites).delete()
            # A seed of the city's own, so that the cities do not look alike.
            seed = zlib.crc32(city.slug.encode()) / 2**32
            result = sites_generate(city=city, dataset=sites, count=SITES_PER_CITY, seed=seed)
            report.created += result.created
            _close_sites_on_lost_land(city=city, dataset=sites, seed=seed)
            Indicator.objects.filter(city=city, dataset=statistics).delete()
        else:
            report.unchanged += existing
        if not Indicator.objects.filter(city=city, dataset=statistics).exists():
            report.created += indicators_from_sites(city=city, sites=sites, target=statistics)
