from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitiesConfig(AppConfig):
    name = "cities"
    verbose_name = _("Cities and maps")

    def ready(self) -> None:
        # Job kinds register themselves on import: a worker process must import every
        # module that declares one (the web process enqueues them too).
        from cities import analyses, catalogue, datasets  # noqa: F401
        from cities.gis_io import steps  # noqa: F401
