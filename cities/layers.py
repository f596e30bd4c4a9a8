"""The layer catalogue: every layer the portal serves, registered once by the app that owns it.

The city map, the vector tiles, the file exports (and, later, the OGC API and the
data catalogue) all read this registry; none of them keeps a list of its own.
`cities` registers its own layers in `cities/catalogue.py`; the toolkit and the
stakeholders app register theirs in their `AppConfig.ready`, so `cities` never
imports them.

A layer's `rows` gives the SQL of its public rows: an `id` column first, then
its fields in order, then `geom` (EPSG:4326). Every consumer wraps that SQL
(`json_agg` for the map, a server-side cursor for exports) instead of reading
the models.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from cities.bbox import BBoxError, parse_bbox
from cities.models import City, Dataset
from cities.visibility import embargo_clause

BBox = tuple[float, float, float, float]
Text = Promise | str


class LayerFilterError(ValueError):
    """A filter the layer does not understand or a value it cannot use: a 400 with this text."""


@dataclass(frozen=True)
class Field:
    name: str
    # "string" | "integer" | "number" | "boolean" | "json"
    type: str
    label: Text = ""


@dataclass(frozen=True)
class LayerFilters:
    city: City | None = None
    sectors: tuple[int, ...] | None = None
    year: int | None = None
    bbox: BBox | None = None
    dataset: Dataset | None = None
    # A context layer's slug (the "context" layer holds every city's stations, rivers, ...).
    part: str | None = None
    # Datasets under embargo the reader may see (their owners'): cities/visibility.py.
    readable: tuple[int, ...] = ()


@dataclass(frozen=True)
class Layer:
    slug: str
    name: Text
    description: Text
    geometry_type: str  # "Point", "MultiPolygon" or "Geometry" (any)
    fields: tuple[Field, ...]
    rows: Callable[[LayerFilters], tuple[str, dict]]
    # Which filters it takes, of: city, sector, year, bbox, dataset, part.
    filters: frozenset[str] = frozenset({"city", "bbox"})
    # The filters a request must give (e.g. a context layer's part).
    required: frozenset[str] = frozenset()
    colour: str = "#ffbf47"  # fill on the map and in its legend
    # The licence of rows that belong to no dataset (e.g. the toolkit's own texts).
    licence: str = ""
    attribution: Text = ""
    # An app's point layer is drawn on the city map from its GeoJSON.
    on_map: bool = True
    tile: Callable | None = field(default=None, compare=False)
    # A layer made of named parts (a context layer's stations, an analysis's lost land):
    # (part, title) of each, served as a collection of its own by /ogc/.
    parts: Callable[[], list[tuple[str, str]]] | None = field(default=None, compare=False)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


_LAYERS: dict[str, Layer] = {}


def register_layer(layer: Layer) -> Layer:
    if layer.slug in _LAYERS and _LAYERS[layer.slug] != layer:
        raise ValueError(f"layer {layer.slug!r} is registered twice")
    _LAYERS[layer.slug] = layer
    return layer


def layers() -> list[Layer]:
    return list(_LAYERS.values())


def get_layer(slug: str) -> Layer | None:
    return _LAYERS.get(slug)


def tiled_layers() -> dict[str, Layer]:
    return {layer.slug: layer for layer in _LAYERS.values() if layer.tile is not None}


# ---- Filters from a query string ---------------------------------------------------


def parse_filters(
    layer: Layer,
    query: QueryDict,
    *,
    city: City | None = None,
    part: str | None = None,
    readable: tuple[int, ...] = (),
) -> LayerFilters:
    """The filters of a request, checked against what the layer takes; raises LayerFilterError.
    `city` and `part` are fixed by the page or collection asked for, not by the query.
    `readable`: the datasets under embargo the request may read (visibility.readable_datasets).
    """
    values: dict = {"readable": readable}
    if city is not None:
        values["city"] = city
    elif query.get("city"):
        values["city"] = _city(query["city"])
    if "sector" in layer.filters and query.get("sector"):
        values["sectors"] = parse_sectors(query["sector"])
    if "year" in layer.filters and query.get("year"):
        values["year"] = parse_year(query["year"])
    if "bbox" in layer.filters and query.get("bbox"):
        try:
            values["bbox"] = parse_bbox(query["bbox"])
        except BBoxError as exc:
            raise LayerFilterError(str(exc)) from None
    if "dataset" in layer.filters and query.get("dataset"):
        dataset = Dataset.objects.filter(slug=query["dataset"]).first()
        if dataset is None:
            raise LayerFilterError(_("There is no dataset %(slug)r.") % {"slug": query["dataset"]})
        values["dataset"] = dataset
    if part is not None:
        values["part"] = part
    elif "part" in layer.filters and query.get("layer"):
        if not re.fullmatch(r"[-a-z0-9_]{1,60}", query["layer"]):
            raise LayerFilterError(_("layer must be a layer's identifier, e.g. stations."))
        values["part"] = query["layer"]
    filters = LayerFilters(**values)
    if "part" in layer.required and not filters.part:
        raise LayerFilterError(_("Say which layer with layer=, e.g. layer=stations."))
    if "city" in layer.required and filters.city is None:
        raise LayerFilterError(_("Say which city with city=, e.g. city=brussels."))
    return filters


def _city(slug: str) -> City:
    city = City.objects.filter(slug=slug).only("pk", "slug", "name", "dataset_id").first()
    if city is None:
        raise LayerFilterError(_("There is no city %(slug)r.") % {"slug": slug})
    return city


def parse_sectors(raw: str) -> tuple[int, ...]:
    try:
        codes = tuple(sorted({int(part) for part in raw.split(",") if part.strip()}))
    except ValueError:
        raise LayerFilterError(
            _("sector must be NACE division numbers, e.g. 25 or 10,25.")
        ) from None
    if not codes or not all(10 <= code <= 33 for code in codes):
        raise LayerFilterError(_("sector must be NACE manufacturing divisions from 10 to 33."))
    return codes


def parse_year(raw: str) -> int:
    if not raw.isdecimal() or not 1800 <= int(raw) <= 2100:
        raise LayerFilterError(_("year must be a year, e.g. 2019."))
    return int(raw)


# ---- SQL helpers for the layers' row sources ------------------------------------------


@dataclass
class Where:
    """The WHERE clause of a layer's rows, built filter by filter."""

    clauses: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)

    def add(self, clause: str, **params) -> "Where":
        self.clauses.append(clause)
        self.params.update(params)
        return self

    def bbox(self, column: str, bbox: BBox | None) -> "Where":
        if bbox is not None:
            west, south, east, north = bbox
            self.add(
                f"{column} && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326)",
                west=west,
                south=south,
                east=east,
                north=north,
            )
        return self

    def common(
        self, filters: "LayerFilters", *, city: str, geom: str, dataset: str | None = None
    ) -> "Where":
        """The filters every layer shares: its city, its dataset and the bbox, on its columns;
        and no rows of a dataset under embargo but those the reader may see."""
        if filters.city is not None:
            self.add(f"{city} = %(city)s", city=filters.city.pk)
        if dataset is not None:
            if filters.dataset is not None:
                self.add(f"{dataset} = %(dataset)s", dataset=filters.dataset.pk)
            self.add(embargo_clause(dataset), readable=list(filters.readable))
        return self.bbox(geom, filters.bbox)

    @property
    def sql(self) -> str:
        return ("WHERE " + " AND ".join(self.clauses)) if self.clauses else ""


def layer_datasets(layer: Layer, filters: LayerFilters) -> list[Dataset]:
    """The datasets the layer's rows come from (their licences and publishers)."""
    if "dataset" not in layer.field_names:
        return []
    if filters.dataset is not None:
        return [filters.dataset]
    sql, params = layer.rows(filters)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT dataset FROM ({sql}) AS rows", params)  # noqa: S608
        slugs = [row[0] for row in cursor.fetchall()]
    return list(Dataset.objects.filter(slug__in=slugs).order_by("name"))


def layer_provenance(layer: Layer, filters: LayerFilters) -> dict:
    """What every export carries inside the file: where the rows came from, under which licence."""
    datasets = layer_datasets(layer, filters)
    return {
        "layer": layer.slug,
        "title": str(layer.name),
        "description": str(layer.description),
        **provenance(datasets, licence=layer.licence, attribution=str(layer.attribution)),
        "city": filters.city.slug if filters.city else None,
    }


def provenance(datasets: list[Dataset], *, licence: str = "", attribution: str = "") -> dict:
    """The licence and attribution of rows from `datasets` (and of rows of none, if given):
    what an export file and each page of the API carry."""
    licences = sorted({d.licence for d in datasets} | ({licence} - {""}))
    return {
        "licence": " AND ".join(licences),
        "attribution": "; ".join(
            [d.attribution for d in datasets] + ([attribution] if attribution else [])
        ),
        "datasets": [d.provenance() for d in datasets],
    }
