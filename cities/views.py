from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cities import selectors
from cities.analyses.results import published_layers
from cities.bbox import BBoxError, parse_bbox
from cities.geojson import flow_links, flows_geojson, layer_geojson, zones_lost_geojson
from cities.gis_io.exports import city_downloads
from cities.layers import LayerFilterError, get_layer, parse_filters, tiled_layers
from cities.layers import layers as catalogue_layers
from cities.models import City, ContextLayer, Indicator, LandZone, Sector
from cities.sector_groups import sector_groups
from cities.tiles import TileRequestError, cached_tile


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
    districts = list(selectors.district_list(city=city).defer("geom", "geom_3857"))
    context = {
        "city": city,
        "districts": districts,
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
                    for layer in catalogue_layers()
                    if layer.on_map and layer.slug not in _OWN_MAP_LAYERS
                },
            },
            "analyses": published_layers(city),
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
        "downloads": city_downloads(city, layers),
        "missing": _missing(
            city, districts=districts, land=land, jobs=jobs, firms=firms, links=links
        ),
        "can_import": request.user.is_authenticated and request.user.is_data_manager,
    }
    return render(request, "cities/city_detail.html", context)


def _missing(city: City, *, districts, land, jobs, firms, links) -> list[dict]:
    """The parts of a city's page that have no data yet, each with what would fill it."""
    missing = []
    if not districts:
        missing.append(
            {"text": _("No districts yet."), "target": "districts", "action": _("Import districts")}
        )
    if not selectors.city_has_sites(city=city):
        missing.append(
            {
                "text": _("No manufacturing sites yet."),
                "target": "sites",
                "action": _("Import sites"),
            }
        )
    if not land:
        missing.append(
            {
                "text": _("No industrial land yet."),
                "target": "zones",
                "action": _("Import land zones"),
            }
        )
    if not jobs["years"] and not firms["rows"]:
        missing.append(
            {
                "text": _("No statistics yet."),
                "target": "indicators",
                "action": _("Import indicators"),
            }
        )
    if not links:
        missing.append(
            {
                "text": _("No material flows yet."),
                "target": "flows",
                "action": _("Import material flows"),
            }
        )
    return missing


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


# The map draws these itself (choropleth, land by year); other layers are overlays.
_OWN_MAP_LAYERS = {"districts", "zones"}


def _layer_response(request: HttpRequest, city: City, slug: str, **defaults) -> HttpResponse:
    layer = get_layer(slug)
    if layer is None:
        raise Http404("unknown layer")
    query = request.GET.copy()
    for name, value in defaults.items():
        query.setdefault(name, value)
    try:
        return _geojson(layer_geojson(layer, parse_filters(layer, query, city=city)))
    except LayerFilterError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)


@require_GET
def city_districts_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    return _layer_response(request, _city(slug), "districts")


@require_GET
def city_zones_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    city = _city(slug)
    years = selectors.zone_years(city=city)
    return _layer_response(request, city, "zones", year=str(years[-1] if years else 2019))


@require_GET
def city_context_geojson(request: HttpRequest, slug: str, layer: str) -> HttpResponse:
    city = _city(slug)
    if not ContextLayer.objects.filter(city=city, slug=layer).exists():
        raise Http404("unknown layer")
    return _layer_response(request, city, "context", layer=layer)


@require_GET
def city_app_layer_geojson(request: HttpRequest, slug: str, layer: str) -> HttpResponse:
    """A layer of the catalogue that another app registered (e.g. case studies), for one city.

    Only the small point layers the map draws this way: sites come as tiles and whole
    layers as files (/export/), never as one GeoJSON here."""
    spec = get_layer(layer)
    if spec is None or not spec.on_map or spec.slug in _OWN_MAP_LAYERS:
        raise Http404("unknown layer")
    return _layer_response(request, _city(slug), layer)


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


@require_GET
def tile(request: HttpRequest, layer: str, z: int, x: int, y: int) -> HttpResponse:
    """GET /tiles/<layer>/<z>/<x>/<y>.pbf: a Mapbox Vector Tile."""
    if layer not in tiled_layers():
        raise Http404("unknown layer")
    try:
        result = cached_tile(layer, z, x, y, request.GET, request.headers.get("If-None-Match"))
    except TileRequestError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    if result.data is None:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(result.data, content_type="application/vnd.mapbox-vector-tile")
    if result.etag is not None:
        response["ETag"] = result.etag
    # Short, because the data can change; the ETag makes revalidation cheap.
    response["Cache-Control"] = "public, max-age=300"
    return response
