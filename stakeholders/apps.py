from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = _("Stakeholders")

    def ready(self) -> None:
        # Published workspaces appear as a layer on the city maps.
        from cities.map_layers import register_map_layer
        from stakeholders.selectors import city_workspaces_geojson

        register_map_layer(
            "workspaces", _("Maker workspaces"), city_workspaces_geojson, colour="#0b6e4f"
        )
