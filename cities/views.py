from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from cities.bbox import BBoxError, parse_bbox
from cities.models import City
from cities.selectors import city_list, district_list, districts_geojson
from cities.tiles import LAYERS, TileRequestError, cached_tile


@require_GET
def city_index(request: HttpRequest) -> HttpResponse:
    return render(request, "cities/city_list.html", {"cities": city_list()})


@require_GET
def city_detail(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_object_or_404(City.objects.select_related("dataset").defer("outline"), slug=slug)
    context = {
        "city": city,
        "districts": district_list(city=city).defer("geom"),
        "datasets": {city.dataset},
        "basemap_url": settings.MAP_BASEMAP_URL,
        "basemap_attribution": settings.MAP_BASEMAP_ATTRIBUTION,
    }
    return render(request, "cities/city_detail.html", context)


@require_GET
def city_districts_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_object_or_404(City.objects.only("pk"), slug=slug)
    try:
        bbox = parse_bbox(request.GET.get("bbox"))
    except BBoxError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    response = HttpResponse(
        districts_geojson(city=city, bbox=bbox), content_type="application/geo+json"
    )
    response["Cache-Control"] = "public, max-age=300"
    return response


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
