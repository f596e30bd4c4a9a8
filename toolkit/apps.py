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

        # Case studies are a layer of the catalogue: on the city maps, in exports.
        from cities.layers import register_layer
        from toolkit.geojson import CASE_STUDIES

        register_layer(CASE_STUDIES)
