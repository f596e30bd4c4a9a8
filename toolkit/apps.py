from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ToolkitConfig(AppConfig):
    name = "toolkit"
    verbose_name = _("Toolkit")

    def ready(self) -> None:
        # Every saved version of the editable content is kept, with who and when.
        import reversion

        from toolkit.models import Action, CaseStudy, EngagementEvent, ImplementationPlan, Tool

        for model in (Tool, CaseStudy, ImplementationPlan, Action, EngagementEvent):
            if not reversion.is_registered(model):
                reversion.register(model)

        # Case studies appear as a layer on the city maps.
        from cities.map_layers import register_map_layer
        from toolkit.geojson import case_studies_geojson

        register_map_layer("case-studies", _("Case studies"), case_studies_geojson)
