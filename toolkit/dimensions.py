"""The three dimensions of the toolkit, as the research programme framed them."""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    TECHNOLOGY = "technology-resources", _("Technology & resources")
    SPACE = "space", _("Space")
    TRANSITIONS = "transitions", _("Transitions")


@dataclass(frozen=True)
class DimensionInfo:
    key: str
    label: Promise
    question: Promise
    description: Promise
    topics: Promise


DIMENSIONS = [
    DimensionInfo(
        Dimension.TECHNOLOGY.value,
        Dimension.TECHNOLOGY.label,
        _("How do makers produce, and with what?"),
        _(
            "Production technology, Industry 4.0, material flows and the circular "
            "economy: tools to map what a city makes and uses, and to close its loops."
        ),
        _("Production technology · Industry 4.0 · Material flows · Circular economy"),
    ),
    DimensionInfo(
        Dimension.SPACE.value,
        Dimension.SPACE.label,
        _("Where can manufacturing stay and grow?"),
        _(
            "Industrial land, mixed-use zoning, workspace supply, logistics and "
            "intensification: tools to protect productive space and fit it into a dense city."
        ),
        _("Industrial land · Mixed-use zoning · Workspace · Logistics · Intensification"),
    ),
    DimensionInfo(
        Dimension.TRANSITIONS.value,
        Dimension.TRANSITIONS.label,
        _("Who makes change happen, and how?"),
        _(
            "Governance, policy, finance, skills and stakeholder networks: tools to "
            "organise the people and money that keep a city productive."
        ),
        _("Governance · Policy · Finance · Skills · Networks · Re-shoring"),
    ),
]
