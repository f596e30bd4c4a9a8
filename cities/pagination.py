"""Keyset pagination for GeoJSON collections (no OFFSET, no COUNT over big tables)."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.response import Response

from cities.gis_io.exports import download_links


class KeysetPagination(CursorPagination):
    """Pages by id (keyset); a cursor that is not a row id is a 404, not a database error."""

    ordering = "pk"
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 1000

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
        links = []
        if (next_url := self.get_next_link()) is not None:
            links.append({"rel": "next", "type": "application/geo+json", "href": next_url})
        if (prev_url := self.get_previous_link()) is not None:
            links.append({"rel": "prev", "type": "application/geo+json", "href": prev_url})
        if self.export_layer:
            links += download_links(self.request, self.export_layer)
        return Response(
            {
                "type": "FeatureCollection",
                "features": data["features"],
                "numberReturned": len(data["features"]),
                "links": links,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": schema.get("properties", {}).get("features", {"type": "array"}),
                "numberReturned": {"type": "integer"},
                "links": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "rel": {"type": "string"},
                            "type": {"type": "string"},
                            "href": {"type": "string", "format": "uri"},
                        },
                    },
                },
            },
        }
