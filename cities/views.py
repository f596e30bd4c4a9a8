from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cities import selectors
from cities.bbox import BBoxError, parse_bbox
from cities.geojson import (
    context_geojson,
    districts_geojson,
    flow_links,
    flows_geojson,
    zones_geojson,
    zones_lost_geojson,
)
from cities.map_layers import map_layer, map_layers
from cities.models import City, ContextLayer, Indicator, LandZone, Sector
from cities.sector_groups import sector_groups
from cities.tiles import LAYERS, TileRequestError, cached_tile


@require_GET
def city_index(request: HttpRequest) -> HttpResponse:
    return render(request, "cities/city_list.html", {"cities": selectors.city_list()})


@require_GET
def city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_object_or_404(City.objects.select_related("dataset").defer("outline"), slug=slug)
    jobs = selectors.indicator_series(city=city, key=Indicator.Key.JOBS)
    firms = selectors.indicator_by_district(city=city, key=Indicator.Key.FIRMS)
    land = selectors.zone_area_by_year(city=city)
    flow_years = selectors.flow_years(city=city)
    flow_year = flow_years[0] if flow_years else None
    links = flow_links(city=city, year=flow_year) if flow_year else []
    totals = selectors.city_totals(city=city)
    layers = list(selectors.context_layers(city=city))
    context = {
        "city": city,
        "districts": selectors.district_list(city=city).defer("geom", "geom_3857"),
        "datasets": selectors.city_datasets(city=city),
        "totals": totals,
        "land": land,
        "land_change": _change(land[0]["hectares"], land[-1]["hectares"])
        if len(land) > 1
        else None,
        "jobs": jobs,
        "jobs_rows": _transpose(jobs),
        "firms": firms,
        "flow_year": flow_year,
        "links": links,
        "zone_years": [row["year"] for row in land],
        "indicator_keys": Indicator.Key.choices,
        "indicator_years": selectors.indicator_years(city=city),
        "sectors": Sector.objects.order_by("code"),
        "context_layers": layers,
        "map_config": {
            "city": city.slug,
            "districts": reverse("cities:districts-geojson", kwargs={"slug": city.slug}),
            "zones": reverse("cities:zones-geojson", kwargs={"slug": city.slug}),
            "zonesLost": reverse("cities:zones-lost-geojson", kwargs={"slug": city.slug}),
            "context": {
                **{
                    layer.slug: {
                        "name": layer.name,
                        "colour": "#ffffff",  # stations and other context: white dots
                        "url": reverse(
                            "cities:context-geojson",
                            kwargs={"slug": city.slug, "layer": layer.slug},
                        ),
                    }
                    for layer in layers
                },
                **{
                    layer.slug: {
                        "name": str(layer.name),
                        "colour": layer.colour,
                        "url": reverse(
                            "cities:app-layer-geojson",
                            kwargs={"slug": city.slug, "layer": layer.slug},
                        ),
                    }
                    for layer in map_layers()
                },
            },
            "siteTiles": "/tiles/sites/{z}/{x}/{y}.pbf",
            "siteApi": "/api/v1/sites/",
            "indicatorApi": "/api/v1/indicators/",
            "zoneYears": [row["year"] for row in land],
            "sectorGroups": sector_groups(),
            "basemap": settings.MAP_BASEMAP_URL,
            "basemapAttribution": settings.MAP_BASEMAP_ATTRIBUTION,
        },
        "chart_data": {"jobs": jobs, "firms": firms, "links": links},
        "map_labels": _map_labels(),
    }
    return render(request, "cities/city_detail.html", context)


def _map_labels() -> dict:
    """Words the map's script shows, in the page's language."""
    return {
        "districts": _("Districts"),
        "sites": _("Manufacturing sites"),
        "land": _("Industrial land"),
        "lost": _("Land lost since %(year)s"),
        "area": _("Area"),
        "hectares": _("Hectares"),
        "category": _("Zoning"),
        "protection": _("Protection"),
        "sector": _("Sector"),
        "employees": _("Employees"),
        "floorArea": _("Floor area"),
        "opened": _("Opened"),
        "noData": _("No data"),
        "legendSites": _("Sites by sector"),
        "zoomIn": _("Zoom in"),
        "zoomOut": _("Zoom out"),
        "loading": _("Loading…"),
        "error": _("The map could not be loaded. The tables below give the same figures."),
        "synthetic": _("Synthetic"),
        "jobs": _("Manufacturing jobs"),
        "firms": _("Firms"),
        "tonnes": _("tonnes a year"),
        "sectorGroups": _("Sector groups"),
        "legend": _("Legend"),
        "protectionNames": {value: str(label) for value, label in LandZone.Protection.choices},
    }


def _change(before: float, after: float) -> float | None:
    return round((after - before) / before * 100, 1) if before else None


def _transpose(series: dict) -> list[dict]:
    """Rows of a year each, for the table that mirrors a chart."""
    return [
        {"year": year, "values": [s["values"][i] for s in series["series"]]}
        for i, year in enumerate(series["years"])
    ]


def _geojson(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _city(slug: str) -> City:
    return get_object_or_404(City.objects.only("pk", "slug"), slug=slug)


def _year(request: HttpRequest, default: int | None) -> int | None:
    raw = request.GET.get("year")
    if raw is None:
        return default
    if not raw.isdecimal() or len(raw) > 4:
        raise BBoxError(_("year must be a year, e.g. 2019."))
    return int(raw)


def geojson_layer(view):
    """A GeoJSON layer view: its city, the optional bbox, and a 400 for bad parameters."""

    @require_GET
    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, **kwargs) -> HttpResponse:
        city = _city(slug)
        try:
            bbox = parse_bbox(request.GET.get("bbox"))
            return _geojson(view(request, city, bbox, **kwargs))
        except BBoxError as exc:
            return JsonResponse({"detail": str(exc)}, status=400)

    return wrapper


@geojson_layer
def city_districts_geojson(request: HttpRequest, city: City, bbox) -> str:
    return districts_geojson(city=city, bbox=bbox)


@geojson_layer
def city_zones_geojson(request: HttpRequest, city: City, bbox) -> str:
    return zones_geojson(city=city, year=_year(request, 2019), bbox=bbox)


@geojson_layer
def city_zones_lost_geojson(request: HttpRequest, city: City, bbox) -> str:
    years = selectors.zone_years(city=city)
    if len(years) < 2:
        return '{"type": "FeatureCollection", "features": []}'
    return zones_lost_geojson(city=city, since=years[0], until=years[-1], bbox=bbox)


@geojson_layer
def city_flows_geojson(request: HttpRequest, city: City, bbox) -> str:
    years = selectors.flow_years(city=city)
    return flows_geojson(city=city, year=_year(request, years[0] if years else 0), bbox=bbox)


@geojson_layer
def city_context_geojson(request: HttpRequest, city: City, bbox, layer: str) -> str:
    if not ContextLayer.objects.filter(city=city, slug=layer).exists():
        raise Http404("unknown layer")
    return context_geojson(city=city, layer=layer, bbox=bbox)


@geojson_layer
def city_app_layer_geojson(request: HttpRequest, city: City, bbox, layer: str) -> str:
    """A layer another app registered (e.g. case studies), for one city."""
    spec = map_layer(layer)
    if spec is None:
        raise Http404("unknown layer")
    return spec.features(city)


@require_GET
def tile(request: HttpRequest, layer: str, z: int, x: int, y: int) -> HttpResponse:
    """GET /tiles/<layer>/<z>/<x>/<y>.pbf: a Mapbox Vector Tile."""
    if layer not in LAYERS:
        raise Http404("unknown layer")
    try:
        result = cached_tile(layer, z, x, y, request.GET, request.headers.get("If-None-Match"))
    except TileRequestError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    if result.data is None:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(result.data, content_type="application/vnd.mapbox-vector-tile")
    response["ETag"] = result.etag
    # Short, because the data can change; the ETag makes revalidation cheap.
    response["Cache-Control"] = "public, max-age=300"
    return response
