"""The OpenAPI 3.0 document of /ogc/ (`rel=service-desc`): QGIS reads `limit`'s default and
maximum from it, and the collections' ids as the values of `collectionId`."""

from cities.ogc.crs import SUPPORTED
from cities.ogc.features import DEFAULT_LIMIT, MAX_LIMIT


def _json_response(description: str, media: str = "application/json") -> dict:
    return {"description": description, "content": {media: {"schema": {"type": "object"}}}}


_ERRORS = {
    "400": _json_response("A parameter is not valid (the body says which)."),
    "404": _json_response("No such collection or feature."),
}


def _query(name: str, description: str, schema: dict, *, explode: bool = True) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "style": "form", "explode": explode, "schema": schema}  # fmt: skip


def openapi_document(root: str, collection_ids: list[str]) -> dict:
    collection_id = {"name": "collectionId", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": collection_ids}}  # fmt: skip
    items_parameters = [
        collection_id,
        _query("limit", "Features per page.",
               {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
        _query("bbox", "minX,minY,maxX,maxY, in CRS84 unless bbox-crs says otherwise.",
               {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
               explode=False),
        _query("bbox-crs", "The CRS the bbox is given in (default CRS84).",
               {"type": "string", "format": "uri", "enum": list(SUPPORTED)}),
        _query("crs", "The CRS of the features' coordinates (default CRS84).",
               {"type": "string", "format": "uri", "enum": list(SUPPORTED)}),
        _query("after", "Keyset cursor: the id of the last feature seen (see the next link).",
               {"type": "integer", "minimum": 0}),
        _query("filter", "A CQL2 filter on the queryables, e.g. sector = 25 AND employees > 10.",
               {"type": "string"}),
        _query("filter-lang", "The filter's language.",
               {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"}),
        _query("filter-crs", "The CRS of the filter's geometries (default CRS84).",
               {"type": "string", "format": "uri", "enum": list(SUPPORTED)}),
        _query("city", "A city's identifier, e.g. brussels.", {"type": "string"}),
        _query("sector", "NACE divisions (10-33), e.g. 25 or 10,25.", {"type": "string"}),
        _query("year", "A year: sites open then, land of that reference year.",
               {"type": "integer", "minimum": 1800, "maximum": 2100}),
        _query("dataset", "A dataset's identifier.", {"type": "string"}),
    ]  # fmt: skip
    return {
        "openapi": "3.0.3",
        "info": {"title": "Cities of Making: OGC API - Features", "version": "1.0.0",
                 "description": "OGC API - Features Part 1 (core, GeoJSON, OpenAPI 3.0)."},
        "servers": [{"url": root}],
        "paths": {
            "/": {"get": {"operationId": "getLandingPage", "summary": "Landing page",
                          "responses": {"200": _json_response("The landing page.")}}},
            "/conformance": {"get": {"operationId": "getConformanceDeclaration",
                                     "summary": "Conformance classes",
                                     "responses": {"200": _json_response("The classes.")}}},
            "/api": {"get": {"operationId": "getAPI", "summary": "This document",
                             "responses": {"200": _json_response(
                                 "The OpenAPI document.",
                                 "application/vnd.oai.openapi+json;version=3.0")}}},
            "/collections": {"get": {"operationId": "getCollections",
                                     "summary": "The collections",
                                     "responses": {"200": _json_response("The collections.")}}},
            "/collections/{collectionId}/queryables": {"get": {
                "operationId": "getQueryables", "summary": "What a filter may name",
                "parameters": [collection_id],
                "responses": {"200": _json_response("The queryables (JSON Schema).",
                                                    "application/schema+json"), **_ERRORS}}},
            "/collections/{collectionId}": {"get": {
                "operationId": "describeCollection", "summary": "A collection",
                "parameters": [collection_id],
                "responses": {"200": _json_response("The collection."), **_ERRORS}}},
            "/collections/{collectionId}/items": {"get": {
                "operationId": "getFeatures", "summary": "A page of a collection's features",
                "parameters": items_parameters,
                "responses": {"200": _json_response("A page of features.", "application/geo+json"),
                              **_ERRORS}}},
            "/collections/{collectionId}/items/{featureId}": {"get": {
                "operationId": "getFeature", "summary": "One feature",
                "parameters": [collection_id, {"name": "featureId", "in": "path",
                                               "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": _json_response("The feature.", "application/geo+json"),
                              **_ERRORS}}},
        },
    }  # fmt: skip
