"""Which collections /ogc/ serves: each layer of the catalogue, and each context layer by name.

A collection is a layer and the filters fixed by its id: `context-stations` is the
catalogue's `context` layer restricted to the context layers called `stations`.
"""

from dataclasses import dataclass

from django.db import connection

from cities.layers import Layer, get_layer, layers
from cities.models import ContextLayer

CONTEXT = "context"


@dataclass(frozen=True)
class Collection:
    id: str
    layer: Layer
    part: str | None = None  # a context layer's slug

    @property
    def title(self) -> str:
        if self.part:
            return f"{self.layer.name}: {self.part.replace('-', ' ')}"
        return str(self.layer.name)


def all_collections() -> list[Collection]:
    found = []
    for layer in layers():
        if layer.slug == CONTEXT:
            parts = ContextLayer.objects.order_by("slug").values_list("slug", flat=True)
            found += [Collection(f"{CONTEXT}-{p}", layer, p) for p in dict.fromkeys(parts)]
        else:
            found.append(Collection(layer.slug, layer))
    return found


def get_collection(collection_id: str) -> Collection | None:
    if collection_id.startswith(f"{CONTEXT}-"):
        part = collection_id[len(CONTEXT) + 1 :]
        layer = get_layer(CONTEXT)
        if layer and ContextLayer.objects.filter(slug=part).exists():
            return Collection(collection_id, layer, part)
        return None
    layer = get_layer(collection_id)
    if layer is None or layer.slug == CONTEXT:
        return None
    return Collection(layer.slug, layer)


def portal_extent() -> list[float]:
    """The bounding box of the cities the portal covers, which holds every layer's features."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM"
                       " (SELECT ST_Extent(outline) AS e FROM cities_city) AS x")  # fmt: skip
        box = cursor.fetchone()
    return [round(v, 6) for v in box] if box and box[0] is not None else [-180, -90, 180, 90]
