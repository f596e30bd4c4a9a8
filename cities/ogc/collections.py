"""Which collections /ogc/ serves: each layer of the catalogue, or each part of a layer
made of parts.

A collection is a layer and the filters fixed by its id: `context-stations` is the
catalogue's `context` layer restricted to the context layers called `stations`, and
`analysis-12-lost` the lost land of the published analysis 12.
"""

from dataclasses import dataclass

from django.db import connection

from cities.layers import Layer, layers


@dataclass(frozen=True)
class Collection:
    id: str
    layer: Layer
    part: str | None = None
    part_title: str = ""

    @property
    def title(self) -> str:
        if self.part:
            return f"{self.layer.name}: {self.part_title or self.part.replace('-', ' ')}"
        return str(self.layer.name)


def all_collections() -> list[Collection]:
    found = []
    for layer in layers():
        if layer.parts is None:
            found.append(Collection(layer.slug, layer))
        else:
            found += [Collection(f"{layer.slug}-{part}", layer, part, title)
                      for part, title in layer.parts()]  # fmt: skip
    return found


def get_collection(collection_id: str) -> Collection | None:
    for layer in layers():
        if layer.parts is None:
            if collection_id == layer.slug:
                return Collection(layer.slug, layer)
        elif collection_id.startswith(f"{layer.slug}-"):
            wanted = collection_id[len(layer.slug) + 1 :]
            for part, title in layer.parts():
                if part == wanted:
                    return Collection(collection_id, layer, part, title)
    return None


def portal_extent() -> list[float]:
    """The bounding box of the cities the portal covers, which holds every layer's features."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM"
                       " (SELECT ST_Extent(outline) AS e FROM cities_city) AS x")  # fmt: skip
        box = cursor.fetchone()
    return [round(v, 6) for v in box] if box and box[0] is not None else [-180, -90, 180, 90]
