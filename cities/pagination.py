"""Keyset pagination (no OFFSET, no COUNT over big tables), in one style for every list:
`links` with `rel=next`, `numberReturned`, and the licence and attribution of the page's rows.
"""

from collections.abc import Iterable

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.response import Response

from cities.gis_io.exports import download_links
from cities.layers import provenance
from cities.models import Dataset


def page_provenance(rows: Iterable) -> dict:
    """`licence`, `attribution` and `datasets` of a page's rows: their datasets as selected
    with them, or else in one query."""
    found: dict[int, Dataset] = {}
    missing = set()
    for row in rows:
        dataset_id = getattr(row, "dataset_id", None)
        if dataset_id is None or dataset_id in found:
            continue
        if type(row).dataset.is_cached(row):
            found[dataset_id] = row.dataset
        else:
            missing.add(dataset_id)
    if missing - set(found):
        found.update(Dataset.objects.in_bulk(missing - set(found)))
    return provenance(sorted(found.values(), key=lambda d: (d.name, d.pk)))


def strict_limit(request, name: str, default: int, maximum: int) -> int:
    """The page size asked for; a 400 when it is not a whole number from 1 to `maximum`
    (DRF would quietly use the default)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= maximum:
        raise ValidationError({name: [f"A whole number from 1 to {maximum}."]})
    return value


def page_links(paginator, media_type: str) -> list[dict]:
    """The `next` and `prev` links of a DRF paginator's page, OGC API style."""
    links = []
    if (next_url := paginator.get_next_link()) is not None:
        links.append({"rel": "next", "type": media_type, "href": next_url})
    if (prev_url := paginator.get_previous_link()) is not None:
        links.append({"rel": "prev", "type": media_type, "href": prev_url})
    return links


def list_page_schema(schema: dict, **more: dict) -> dict:
    """A page of `results` in the API's one style, with the first style's `next` and
    `previous` kept (deprecated), and any members `more` adds."""
    return {
        "type": "object",
        "required": ["results", "numberReturned", "links"],
        "properties": {
            "results": schema,
            "numberReturned": {"type": "integer"},
            "links": LINKS_SCHEMA,
            **more,
            "next": {"type": "string", "format": "uri", "nullable": True, "deprecated": True,
                     "description": "Deprecated: follow the `next` link of `links`."},
            "previous": {"type": "string", "format": "uri", "nullable": True,
                         "deprecated": True,
                         "description": "Deprecated: follow the `prev` link of `links`."},
        },
    }  # fmt: skip


def limit_parameters(parameters: list[dict], pagination) -> list[dict]:
    """The paginator's parameters, with the limit's default and range."""
    for parameter in parameters:
        if parameter.get("name") == pagination.page_size_query_param:
            parameter["schema"] = {
                "type": "integer",
                "minimum": 1,
                "maximum": pagination.max_page_size,
                "default": pagination.page_size,
            }
    return parameters


PROVENANCE_SCHEMA = {
    "licence": {
        "type": "string",
        "description": "The licences of the page's rows (SPDX identifiers, joined by AND).",
    },
    "attribution": {"type": "string", "description": "Whom to credit, with their licence."},
    "datasets": {
        "type": "array",
        "description": "The datasets the page's rows come from.",
        "items": {
            "type": "object",
            "properties": {
                "dataset": {"type": "string"},
                "name": {"type": "string"},
                "publisher": {"type": "string"},
                "licence": {"type": "string"},
                "source": {"type": "string"},
                "quality": {"type": "string"},
                "reference_date": {"type": "string", "format": "date", "nullable": True},
                "imported_at": {"type": "string", "format": "date-time"},
            },
        },
    },
}
LINKS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "href": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
        },
    },
}


class KeysetPagination(CursorPagination):
    """Pages by id (keyset); a cursor that is not a row id is a 404, not a database error."""

    ordering = "pk"
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 1000

    def get_page_size(self, request) -> int:
        return strict_limit(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return limit_parameters(super().get_schema_operation_parameters(view), self)

    def decode_cursor(self, request) -> Cursor | None:
        """Reject a cursor whose position is not a row id (a 404, not a database error)."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                position = int(cursor.position)
            except ValueError:
                raise NotFound(self.invalid_cursor_message) from None
            if not 0 <= position < 2**63:
                raise NotFound(self.invalid_cursor_message)
            cursor = cursor._replace(position=str(position))
        return cursor

    def page_links(self, media_type: str) -> list[dict]:
        return page_links(self, media_type)

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "results": data,
                "numberReturned": len(data),
                "links": self.page_links("application/json"),
                **page_provenance(self.page),
                # The first paging style, kept for one release: follow `links` instead.
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return list_page_schema(schema, **PROVENANCE_SCHEMA)


class NewestFirstPagination(KeysetPagination):
    """Keyset pages, the newest rows (the highest ids) first."""

    ordering = "-pk"


class GeoJSONCursorPagination(KeysetPagination):
    """A FeatureCollection per page, with OGC API - Features style `links`: the next and
    previous pages, and the whole layer as files (`export_layer` of the view)."""

    def paginate_queryset(self, queryset, request, view=None):
        self.export_layer = getattr(view, "export_layer", None)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data) -> Response:
        links = self.page_links("application/geo+json")
        if self.export_layer:
            links += download_links(self.request, self.export_layer)
        return Response(
            {
                "type": "FeatureCollection",
                "features": data["features"],
                "numberReturned": len(data["features"]),
                "links": links,
                **page_provenance(self.page),
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": schema.get("properties", {}).get("features", {"type": "array"}),
                "numberReturned": {"type": "integer"},
                "links": LINKS_SCHEMA,
                **PROVENANCE_SCHEMA,
            },
        }
