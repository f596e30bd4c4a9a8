"""Point layers other apps add to the city maps (case studies, workspaces, ...).

`cities` never imports those apps: they register here at start-up with a name
and a function that returns a city's features as GeoJSON text.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from cities.models import City


@dataclass(frozen=True)
class MapLayer:
    slug: str
    name: Promise | str
    features: Callable[[City], str]
    colour: str = "#ffbf47"  # the points' fill on the map and in its legend


_LAYERS: dict[str, MapLayer] = {}


def register_map_layer(
    slug: str, name: Promise | str, features: Callable[[City], str], *, colour: str = "#ffbf47"
) -> None:
    _LAYERS[slug] = MapLayer(slug=slug, name=name, features=features, colour=colour)


def map_layers() -> list[MapLayer]:
    return list(_LAYERS.values())


def map_layer(slug: str) -> MapLayer | None:
    return _LAYERS.get(slug)
