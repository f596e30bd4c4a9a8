"""The OGC API - Features endpoints: Part 1 (core, GeoJSON, HTML, OpenAPI 3.0), Part 2 (CRS)
and Part 3 (CQL2 filters, cql2.py).

HTML for a browser (`Accept: text/html` or `f=html`), JSON for every other client (OWSLib
sends no `Accept`): `application/geo+json` for features, `application/json` for the rest.
Errors are the standard's exception body, `{"code": ..., "description": ...}`, with a 4xx.
"""

import json
import math
import re
from datetime import datetime

from django.db import DataError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cities.bbox import BBoxError, parse_bbox
from cities.layers import LayerFilterError, LayerFilters, parse_filters, provenance
from cities.models import Dataset
from cities.ogc import cql2
from cities.ogc.collections import Collection, all_collections, get_collection, portal_extent
from cities.ogc.crs import (
    CRS84,
    DEFAULT,
    SUPPORTED,
    CrsError,
    bbox_in_wgs84_sql,
    crs_for,
)
from cities.ogc.features import DEFAULT_LIMIT, MAX_LIMIT, feature, page
from cities.ogc.openapi import openapi_document
from cities.visibility import readable_datasets

GEOJSON = "application/geo+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    *cql2.CONFORMANCE,
]
# Query parameters of the items; the rest are a 400 (the standard asks it).
ITEM_PARAMETERS = {"limit", "bbox", "bbox-crs", "after", "f", "city", "sector", "year",
                   "dataset", "datetime", "crs", "filter", "filter-lang", "filter-crs"}  # fmt: skip
JSON_TYPES = {"string": "string", "integer": "integer", "number": "number",
              "boolean": "boolean", "json": "object"}  # fmt: skip
GEOMETRY_FORMATS = {"Point": "geometry-point", "MultiPolygon": "geometry-multipolygon"}


def _json(body: dict, status: int = 200, content_type: str = "application/json") -> HttpResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = content_type
    return response


def _error(status: int, code: str, description: str) -> HttpResponse:
    return _json({"code": code, "description": description}, status=status)


def _url(request: HttpRequest, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def wants_html(request: HttpRequest) -> bool:
    """`f=html` or a browser's Accept; JSON otherwise (OWSLib sends no Accept, GDAL JSON)."""
    chosen = request.GET.get("f")
    if chosen:
        return chosen == "html"
    return "text/html" in request.headers.get("Accept", "")


def _vary(response: HttpResponse) -> HttpResponse:
    response["Vary"] = "Accept"
    return response


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if wants_html(request):
        context = {"landing_url": _url(request, "ogc:landing")}
        return _vary(render(request, "ogc/landing.html", context))
    return _json({
        "title": "Cities of Making: OGC API - Features",
        "description": "Manufacturing sites, industrial land, districts and context layers "
                       "of the portal's cities, as OGC API - Features collections.",
        "links": [
            {"rel": "self", "type": "application/json", "href": _url(request, "ogc:landing")},
            {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0",
             "title": "The API's OpenAPI 3.0 document", "href": _url(request, "ogc:api")},
            {"rel": "conformance", "type": "application/json",
             "href": _url(request, "ogc:conformance")},
            {"rel": "data", "type": "application/json", "title": "The collections",
             "href": _url(request, "ogc:collections")},
        ],
    })  # fmt: skip


@require_GET
def conformance(request: HttpRequest) -> HttpResponse:
    return _json({"conformsTo": CONFORMANCE})


@require_GET
def api(request: HttpRequest) -> HttpResponse:
    document = openapi_document(
        _url(request, "ogc:landing").rstrip("/"), [c.id for c in all_collections()]
    )
    return _json(document, content_type="application/vnd.oai.openapi+json;version=3.0")


def _collection(request: HttpRequest, collection: Collection, extent: list[float]) -> dict:
    items = _url(request, "ogc:items", collection.id)
    layer = collection.layer
    return {
        "id": collection.id,
        "title": collection.title,
        "description": str(layer.description),
        "itemType": "feature",
        "crs": list(SUPPORTED),
        "storageCrs": CRS84,
        "extent": {"spatial": {"bbox": [extent], "crs": CRS84}},
        "links": [
            {"rel": "self", "type": "application/json",
             "href": _url(request, "ogc:collection", collection.id)},
            {"rel": "items", "type": GEOJSON, "title": "The features", "href": items},
            {"rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
             "type": "application/schema+json", "title": "What the features can be filtered by",
             "href": _url(request, "ogc:queryables", collection.id)},
            {"rel": "describedby", "type": "application/schema+json",
             "title": "The features' properties",
             "href": _url(request, "ogc:schema", collection.id)},
        ],
    }  # fmt: skip


@require_GET
def collections(request: HttpRequest) -> HttpResponse:
    if wants_html(request):
        found = [{"id": c.id, "title": c.title, "description": c.layer.description}
                 for c in all_collections()]  # fmt: skip
        return _vary(render(request, "ogc/collections.html", {"collections": found}))
    extent = portal_extent()
    return _json({
        "links": [{"rel": "self", "type": "application/json",
                   "href": _url(request, "ogc:collections")}],
        "collections": [_collection(request, c, extent) for c in all_collections()],
    })  # fmt: skip


@require_GET
def collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    found = get_collection(collection_id)
    if found is None:
        return _error(404, "NotFound", f"There is no collection “{collection_id}”.")
    return _json(_collection(request, found, portal_extent()))


def _schema(request: HttpRequest, collection: Collection, name: str, properties: dict) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _url(request, name, collection.id),
        "type": "object",
        "title": collection.title,
        "properties": properties,
        "additionalProperties": False,
    }


def _geometry_schema(collection: Collection) -> dict:
    return {"format": GEOMETRY_FORMATS.get(collection.layer.geometry_type, "geometry-any")}


@require_GET
def queryables(request: HttpRequest, collection_id: str) -> HttpResponse:
    found = get_collection(collection_id)
    if found is None:
        return _error(404, "NotFound", f"There is no collection “{collection_id}”.")
    properties = {"geometry": _geometry_schema(found)}
    for field in found.layer.fields:
        if field.type != "json":
            properties[field.name] = {"type": JSON_TYPES.get(field.type, "string"),
                                      "title": str(field.label or field.name)}  # fmt: skip
    body = _schema(request, found, "ogc:queryables", properties)
    return _json(body, content_type="application/schema+json")


@require_GET
def schema(request: HttpRequest, collection_id: str) -> HttpResponse:
    found = get_collection(collection_id)
    if found is None:
        return _error(404, "NotFound", f"There is no collection “{collection_id}”.")
    properties = {"id": {"type": "integer", "x-ogc-role": "id"},
                  "geometry": _geometry_schema(found)}  # fmt: skip
    for field in found.layer.fields:
        properties[field.name] = {"type": JSON_TYPES.get(field.type, "string"),
                                  "title": str(field.label or field.name)}  # fmt: skip
    body = _schema(request, found, "ogc:schema", properties)
    return _json(body, content_type="application/schema+json")


def _year_of(raw: str) -> str:
    """An RFC 3339 instant or date (or an interval within one year) as the year it names."""
    years = {_year(end) for end in raw.split("/")} if raw.count("/") <= 1 else {None}
    if None in years or len(years) != 1:
        raise LayerFilterError(
            "datetime must be a date or a time within one year, e.g. 2019-01-01 or "
            "2019-01-01T00:00:00Z: the data are by year."
        )
    return str(years.pop())


def _year(moment: str) -> int | None:
    if re.fullmatch(r"\d{4}", moment):
        return int(moment)
    try:
        return datetime.fromisoformat(moment).year if len(moment) >= 10 else None
    except ValueError:
        return None


def _int(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdecimal() or not low <= int(raw) <= high:
        raise LayerFilterError(f"{name} must be a whole number from {low} to {high:,}.")
    return int(raw)


@require_GET
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    found = get_collection(collection_id)
    if found is None:
        return _error(404, "NotFound", f"There is no collection “{collection_id}”.")
    unknown = sorted(set(request.GET) - ITEM_PARAMETERS)
    if unknown:
        return _error(400, "InvalidParameterValue",
                      f"Unknown parameter: {', '.join(unknown)}. Known: "
                      f"{', '.join(sorted(ITEM_PARAMETERS))}.")  # fmt: skip
    try:
        crs = crs_for(request.GET.get("crs"))
        bbox_crs = crs_for(request.GET.get("bbox-crs"))
        limit = _int(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        after = _int(request, "after", 0, 0, 2**63 - 1)
        query = request.GET.copy()
        if query.get("bbox") and bbox_crs is not DEFAULT:
            query["bbox"] = bbox_in_wgs84(query["bbox"], bbox_crs)
        if query.get("datetime"):
            if "year" not in found.layer.filters:
                raise LayerFilterError(f"The collection “{found.id}” has no time.")
            query["year"] = _year_of(query["datetime"])
        filters = parse_filters(
            found.layer, query, part=found.part, readable=readable_datasets(request)
        )
        if request.GET.get("bbox") and "bbox" not in found.layer.filters:
            filters = LayerFilters(**{**filters.__dict__, "bbox": parse_bbox(request.GET["bbox"])})
    except (LayerFilterError, BBoxError, CrsError) as exc:
        return _error(400, "InvalidParameterValue", str(exc))
    html = wants_html(request)
    if html and "limit" not in request.GET:
        limit = HTML_LIMIT
    try:
        condition = _condition(request, found)
    except (cql2.FilterError, CrsError) as exc:
        return _error(400, "InvalidParameterValue", str(exc))
    try:
        result = page(found, filters, limit=limit, after=after, count=after == 0, crs=crs,
                      condition=condition)  # fmt: skip
    except DataError as exc:  # e.g. a geometry literal PostGIS cannot read
        return _error(400, "InvalidParameterValue", f"The filter cannot be used: {exc}")
    links = [{"rel": "self", "type": GEOJSON, "href": request.build_absolute_uri()},
             {"rel": "collection", "type": "application/json",
              "href": _url(request, "ogc:collection", found.id)}]  # fmt: skip
    if result.next_after is not None:
        query = request.GET.copy()
        query["after"] = str(result.next_after)
        query["limit"] = str(limit)
        href = f"{_url(request, 'ogc:items', found.id)}?{query.urlencode()}"
        links.append({"rel": "next", "type": GEOJSON, "href": href})
    head = {"type": "FeatureCollection", "numberReturned": result.returned, "links": links}
    if result.matched is not None:
        head["numberMatched"] = result.matched
    # The licence of this page's features, as every page of /api/v1/ gives it.
    datasets = list(Dataset.objects.filter(slug__in=result.datasets).order_by("name", "pk"))
    named = provenance(
        datasets, licence=found.layer.licence, attribution=str(found.layer.attribution)
    )
    if named["licence"]:
        head["licence"], head["attribution"] = named["licence"], named["attribution"]
    if html:
        return _vary(_items_page(request, found, result, head, links, datasets))
    body = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ' + result.features + "}"
    response = HttpResponse(body, content_type=GEOJSON)
    response["Content-Crs"] = f"<{crs.uri}>"
    return _private_if_owned(request, response)


def _private_if_owned(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An answer that may hold a dataset under embargo is for its reader alone."""
    if readable_datasets(request):
        response["Cache-Control"] = "private"
        response["Vary"] = "Accept, Authorization, Cookie"
    return response


def _condition(request: HttpRequest, collection: Collection):
    raw = request.GET.get("filter")
    if not raw:
        return None
    filter_crs = crs_for(request.GET.get("filter-crs"))
    if filter_crs.lat_first:
        raise CrsError("filter-crs may be CRS84 or a projected CRS, not EPSG:4326.")
    return cql2.filter_condition(
        collection.layer, raw, language=request.GET.get("filter-lang"), filter_srid=filter_crs.srid
    )


HTML_LIMIT = 50  # features a page for people
HTML_COLUMNS = 6


def _items_page(
    request, collection: Collection, result, head: dict, links: list, datasets: list[Dataset]
) -> HttpResponse:
    features = json.loads(result.features)
    columns = [f.name for f in collection.layer.fields if f.type != "json"][:HTML_COLUMNS]
    rows = [{"id": f["id"], "values": [f["properties"].get(c) for c in columns]}
            for f in features]  # fmt: skip
    following = next((link["href"] for link in links if link["rel"] == "next"), None)
    synthetic = next((d for d in datasets if d.is_synthetic), None)  # the page's own
    json_query = request.GET.copy()
    json_query["f"] = "json"
    context = {
        "collection": collection,
        "description": collection.layer.description,
        "features": features,
        "columns": columns,
        "rows": rows,
        "returned": result.returned,
        "matched": result.matched,
        "licence": head.get("licence", ""),
        "next_url": following.replace("f=json", "f=html") if following else None,
        "json_url": f"{request.path}?{json_query.urlencode()}",
        "dataset": synthetic,
        "message": _(
            "Features on this page are synthetic: made for demonstration, not an official record."
        ),
    }
    return render(request, "ogc/items.html", context)


def bbox_in_wgs84(raw: str, crs) -> str:
    """A bbox given in another CRS, as the longitude/latitude bounds that hold it."""
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        raise BBoxError("bbox must be four numbers: minX,minY,maxX,maxY.") from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise BBoxError("bbox must be four numbers: minX,minY,maxX,maxY.")
    if crs.lat_first:  # EPSG:4326: latitude first
        south, west, north, east = values
        return f"{west},{south},{east},{north}"
    with connection.cursor() as cursor:
        cursor.execute(bbox_in_wgs84_sql(), dict(zip("abcd", values, strict=True), srid=crs.srid))
        box = cursor.fetchone()
    return ",".join(f"{v:.7f}" for v in box)


@require_GET
def item(request: HttpRequest, collection_id: str, fid: str) -> HttpResponse:
    found = get_collection(collection_id)
    if found is None or not fid.isdecimal() or int(fid) > 2**63 - 1:
        return _error(404, "NotFound", f"There is no feature “{fid}” in “{collection_id}”.")
    try:
        crs = crs_for(request.GET.get("crs"))
    except CrsError as exc:
        return _error(400, "InvalidParameterValue", str(exc))
    body = feature(found, int(fid), crs, readable_datasets(request))
    if body is None:
        return _error(404, "NotFound", f"There is no feature “{fid}” in “{collection_id}”.")
    data = json.loads(body)
    data["links"] = [
        {"rel": "self", "type": GEOJSON, "href": request.build_absolute_uri()},
        {"rel": "collection", "type": "application/json",
         "href": _url(request, "ogc:collection", found.id)},
    ]  # fmt: skip
    response = _json(data, content_type=GEOJSON)
    response["Content-Crs"] = f"<{crs.uri}>"
    return _private_if_owned(request, response)
