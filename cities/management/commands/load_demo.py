import importlib
import time

from django.apps import apps
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Load the synthetic demo data: each app's `demo.load()`, spatial base first. "
        "Idempotent: a second run changes nothing."
    )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        # cities first: the other apps' demo data stands on its cities and sectors.
        names = sorted(
            (
                c.name
                for c in apps.get_app_configs()
                if c.name in {"cities", "toolkit", "stakeholders"}
            ),
            key=lambda name: name != "cities",
        )
        for name in names:
            try:
                module = importlib.import_module(f"{name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{name}.demo":
                    raise
                continue
            report = module.load()
            self.stdout.write(f"{name}: {report}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s")
        )
