import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cities.generation import sites_generate
from cities.maintenance import tables_refresh_statistics
from cities.models import City, Dataset


class Command(BaseCommand):
    help = (
        "Create N synthetic manufacturing sites in a city with set-based SQL, for scale "
        "tests. They go into the dataset 'generated-sites-<city>', labelled synthetic."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--city", required=True, help="City identifier, e.g. brussels")
        parser.add_argument("--count", required=True, type=int, help="How many sites to add")
        parser.add_argument("--seed", type=float, default=0.5, help="Random seed (0 to 1)")

    def handle(self, *args, city: str, count: int, seed: float, **options) -> None:
        if not 1 <= count <= 10_000_000:
            raise CommandError("--count must be between 1 and 10,000,000.")
        if not 0 <= seed <= 1:
            raise CommandError("--seed must be between 0 and 1.")
        target = City.objects.filter(slug=city).first()
        if target is None:
            known = ", ".join(City.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(
                f"No city {city!r}. Known cities: {known or 'none (run load_demo)'}."
            )
        dataset, _ = Dataset.objects.get_or_create(
            slug=f"generated-sites-{target.slug}",
            defaults={
                "name_en": f"Generated sites for scale tests, {target.short_name} (synthetic)",
                "publisher": "manage.py generate_sites",
                "licence": "CC0-1.0",
                "quality": Dataset.Quality.SYNTHETIC,
                "imported_at": timezone.now(),
            },
        )
        started = time.monotonic()
        report = sites_generate(city=target, dataset=dataset, count=count, seed=seed)
        # Ranking the sites for the map rewrote many of the new rows: clear the dead ones,
        # or every later query would wade through them until autovacuum came by.
        tables_refresh_statistics(tables=set(), vacuum={"cities_site"})
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.created:,} sites created in {target.slug} "
                f"({report.thinned:,} moved zoom level) in {time.monotonic() - started:.1f} s"
            )
        )
