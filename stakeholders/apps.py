from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = _("Stakeholders")

    def ready(self) -> None:
        # Published workspaces are a layer of the catalogue: on the city maps, in exports.
        from cities.layers import register_layer
        from stakeholders.selectors import WORKSPACES_LAYER

        register_layer(WORKSPACES_LAYER)
        # Job kinds register themselves on import: a worker process must know this one.
        from cities.visibility import register_reader
        from stakeholders import partner_data

        # The owners of a dataset under embargo read it through the API and /ogc/.
        register_reader(partner_data.embargoed_datasets_readable_by)
