"""A city's map analyses: /cities/<slug>/analyses/ — the kinds, the runs, the results."""

import csv
import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cities.analyses import services
from cities.analyses.base import AnalysisKind, analysis_kinds, describe_params, get_kind
from cities.analyses.results import (
    feature_counts,
    geojson_chunks,
    layer_config,
    result_tile,
    table_rows,
)
from cities.models import Analysis, City, Job
from cities.tiles import TileRequestError, check_coordinates
from portal.soft_cache import soft_get, soft_set

RESULTS_LISTED = 50


def _city(slug: str) -> City:
    return get_object_or_404(City.objects.defer("outline"), slug=slug)


def _kind(slug: str) -> AnalysisKind:
    kind = get_kind(slug)
    if kind is None:
        raise Http404("unknown analysis kind")
    return kind


def _analysis(request: HttpRequest, slug: str, pk: int) -> Analysis:
    """The result, if this person may see it; a 404 otherwise (its existence is private)."""
    analysis = get_object_or_404(
        Analysis.objects.select_related("city", "job", "requested_by", "published_by").defer(
            "city__outline"
        ),
        pk=pk,
        city__slug=slug,
    )
    if not services.can_view(request.user, analysis) or get_kind(analysis.kind) is None:
        raise Http404("no such analysis")
    return analysis


@require_GET
def analyses_index(request: HttpRequest, slug: str) -> HttpResponse:
    city = _city(slug)
    can_run = services.can_run(request.user, city)
    listed = services.visible_analyses(request.user, city).select_related("job", "requested_by")
    published = listed.filter(published_at__isnull=False).order_by("-published_at")
    unpublished = (
        listed.filter(published_at__isnull=True).order_by("-created_at") if can_run else []
    )
    kinds = analysis_kinds()
    published, unpublished = list(published[:RESULTS_LISTED]), list(unpublished[:RESULTS_LISTED])
    for analysis in (*published, *unpublished):
        analysis.city = city  # their links need its slug: no query per result
    context = {
        "city": city,
        "kinds": kinds,
        "kind_titles": {k.slug: k.title for k in kinds},
        "published": published,
        "unpublished": unpublished,
        "can_run": can_run,
    }
    return render(request, "cities/analyses/index.html", context)


@require_http_methods(["GET", "POST"])
def analysis_run(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    city = _city(slug)
    chosen = _kind(kind)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.can_run(request.user, city):
        raise PermissionDenied
    # An empty POST is still a submission: it is validated, not shown blank again.
    form = chosen.form(request.POST if request.method == "POST" else None, city=city)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                requested = services.analysis_request(
                    user=request.user, city=city, kind=chosen, params=form.params()
                )
            except services.AnalysisRefused as exc:
                form.add_error(None, str(exc))
                status = 429
            else:
                if requested.reused:
                    messages.info(
                        request,
                        _("This analysis was already run with these choices on the same data: "
                          "here is its result."),
                    )  # fmt: skip
                return redirect(requested.analysis)
    context = {"city": city, "kind": chosen, "form": form}
    return render(request, "cities/analyses/run.html", context, status=status)


@require_http_methods(["GET", "POST"])
def analysis_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    analysis = _analysis(request, slug, pk)
    kind = get_kind(analysis.kind)
    job = analysis.job
    can_manage = services.can_manage(request.user, analysis)
    if request.method == "POST":
        return _act(request, analysis, kind, can_manage)
    succeeded = job.status == Job.Status.SUCCEEDED
    summary = analysis.summary or {}
    counts = feature_counts(analysis) if succeeded else {}
    layers = [
        # Once published, each layer is an /ogc/ collection (cities/analyses/layer.py).
        {
            "spec": layer,
            "count": counts.get(layer.key, 0),
            "collection": f"analysis-{analysis.pk}-{layer.key}",
        }
        for layer in kind.layers
        if counts.get(layer.key)
    ]
    tables = [
        {"spec": table, "rows": table_rows(table, summary)}
        for table in kind.tables
        if summary.get("tables", {}).get(table.key)
    ]
    totals = [
        (column, summary.get("totals", {}).get(column.key))
        for column in kind.totals
        if summary.get("totals", {}).get(column.key) is not None
    ]
    context = {
        "city": analysis.city,
        "analysis": analysis,
        "kind": kind,
        "job": job,
        "busy": job.status in services.UNFINISHED,
        "succeeded": succeeded,
        "params": describe_params(kind, analysis.city, analysis.params),
        "versions": sorted(analysis.data_versions.items()),
        "totals": totals,
        "tables": tables,
        "layers": layers,
        "stale": succeeded and services.is_stale(analysis),
        "can_manage": can_manage,
        "can_run": services.can_run(request.user, analysis.city),
        "map_config": _map_config(analysis, kind, layers, summary) if layers else None,
        "chart": _chart(kind, summary),
        "permalink": request.build_absolute_uri(analysis.get_absolute_url()),
        "city_map_url": analysis.city.get_absolute_url()
        + "?layers="
        + ",".join(["districts", *(f"analysis-{analysis.pk}-{x['spec'].key}" for x in layers)])
        + "#map-title",
    }
    return render(request, "cities/analyses/detail.html", context)


def _act(request: HttpRequest, analysis: Analysis, kind: AnalysisKind, can_manage: bool):
    action = request.POST.get("action")
    if action == "rerun":
        if not services.can_run(request.user, analysis.city):
            raise PermissionDenied
        try:
            requested = services.analysis_request(
                user=request.user, city=analysis.city, kind=kind, params=analysis.params
            )
        except services.AnalysisRefused as exc:
            messages.error(request, str(exc))
            return redirect(analysis)
        return redirect(requested.analysis)
    if not can_manage:
        raise PermissionDenied
    if action == "cancel":
        if services.analysis_cancel(analysis=analysis):
            messages.info(request, _("Cancelling: the analysis stops and keeps nothing."))
    elif action in ("publish", "unpublish"):
        try:
            services.analysis_publish(
                analysis=analysis, user=request.user, published=action == "publish"
            )
        except services.AnalysisRefused as exc:
            messages.error(request, str(exc))
        else:
            if action == "publish":
                messages.success(request, _("Published: everyone can now see this result."))
            else:
                messages.info(
                    request, _("Unpublished: only the city's officials and staff see it.")
                )
    else:
        return HttpResponse(_("Unknown action."), status=400, content_type="text/plain")
    return redirect(analysis)


def _map_config(analysis: Analysis, kind: AnalysisKind, layers: list, summary: dict) -> dict:
    large = analysis.feature_count > settings.ANALYSIS_GEOJSON_MAX_FEATURES
    args = {"slug": analysis.city.slug, "pk": analysis.pk}
    return {
        "districts": reverse("cities:districts-geojson", kwargs={"slug": analysis.city.slug}),
        "basemap": settings.MAP_BASEMAP_URL,
        "basemapAttribution": settings.MAP_BASEMAP_ATTRIBUTION,
        "layers": [layer_config(analysis, layer["spec"], summary, large) for layer in layers],
        "geojson": reverse("cities:analysis-geojson", kwargs=args),
    }


def _chart(kind: AnalysisKind, summary: dict) -> dict | None:
    if kind.chart is None:
        return None
    keys = [key for key, _label, _colour in kind.chart.series]
    rows = [
        row
        for row in summary.get("tables", {}).get(kind.chart.table) or []
        if any(row.get(key) for key in keys)
    ]
    if not rows:
        return None
    return {
        "labels": [str(row.get(kind.chart.label)) for row in rows],
        "series": [
            {"label": str(label), "colour": colour, "values": [row.get(key) or 0 for row in rows]}
            for key, label, colour in kind.chart.series
        ],
    }


@require_GET
def analysis_status(request: HttpRequest, slug: str, pk: int) -> JsonResponse:
    """What the job page polls while the analysis runs."""
    job = _analysis(request, slug, pk).job
    response = JsonResponse(
        {
            "status": job.status,
            "progress": job.progress,
            "message": job.message,
            "finished": job.is_finished,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def analysis_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    analysis = _analysis(request, slug, pk)
    if not services.can_manage(request.user, analysis):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.analysis_delete(analysis=analysis)
        except services.AnalysisRefused as exc:
            messages.error(request, str(exc))
            return redirect(analysis)
        messages.success(request, _("The result and its map layers are deleted."))
        return redirect("cities:analyses", slug=slug)
    kind = get_kind(analysis.kind)
    return render(
        request,
        "cities/analyses/delete.html",
        {"city": analysis.city, "analysis": analysis, "kind": kind},
    )


def _finished(request: HttpRequest, slug: str, pk: int) -> Analysis:
    analysis = _analysis(request, slug, pk)
    if analysis.job.status != Job.Status.SUCCEEDED:
        raise Http404("this analysis has no result")
    return analysis


def _filename(analysis: Analysis, part: str, extension: str) -> str:
    return f"{analysis.city.slug}-{analysis.kind}-{analysis.pk}-{part}.{extension}"


@require_GET
def analysis_geojson(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """GET …/result.geojson[?layer=]: the result's features, streamed."""
    analysis = _finished(request, slug, pk)
    kind = get_kind(analysis.kind)
    layer = request.GET.get("layer") or None
    if layer is not None and kind.layer(layer) is None:
        message = _("This result has no layer %(l)s.") % {"l": layer}
        return JsonResponse({"detail": message}, status=400)
    response = StreamingHttpResponse(
        geojson_chunks(analysis, kind, layer), content_type="application/geo+json"
    )
    if "download" in request.GET:
        response["Content-Disposition"] = content_disposition_header(
            True, _filename(analysis, layer or "layers", "geojson")
        )
    response["Cache-Control"] = (
        "private, max-age=300" if not analysis.is_published else ("public, max-age=300")
    )
    return response


class _Line:
    def write(self, text: str) -> str:
        return text


def _cell(value) -> str:
    """A spreadsheet must not run a text as a formula (=, +, -, @ first); numbers pass."""
    if isinstance(value, int | float) or value is None:
        return "" if value is None else str(value)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def table_csv(analysis: Analysis, table: str) -> str | None:
    """One of a result's tables (or its totals) as CSV text with a header row."""
    kind = get_kind(analysis.kind)
    summary = analysis.summary or {}
    if table == "totals":
        columns, rows = kind.totals, [summary.get("totals", {})]
    else:
        spec = next((t for t in kind.tables if t.key == table), None)
        if spec is None:
            return None
        columns, rows = spec.columns, summary.get("tables", {}).get(table, [])
    writer = csv.writer(_Line())
    lines = ["\ufeff" + writer.writerow([str(c.label) for c in columns])]
    lines += [writer.writerow([_cell(row.get(c.key)) for c in columns]) for row in rows]
    return "".join(lines)


@require_GET
def analysis_table_csv(request: HttpRequest, slug: str, pk: int, table: str) -> HttpResponse:
    """GET …/<table>.csv: one of the result's tables (or its totals), with a header row."""
    analysis = _finished(request, slug, pk)
    body = table_csv(analysis, table)
    if body is None:
        raise Http404("no such table")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, _filename(analysis, table, "csv")
    )
    return response


@require_GET
def analysis_tile(request: HttpRequest, slug: str, pk: int, z: int, x: int, y: int):
    """A large result's vector tile: its layers, clipped to the tile."""
    analysis = _finished(request, slug, pk)
    try:
        check_coordinates(z, x, y)
    except TileRequestError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    # A result never changes once computed: its id is its version. (A layer of sites draws
    # their current positions; a site moved since shows within a day, and the result page
    # says its data has changed.)
    key = f"analysis-tile:{analysis.pk}:{analysis.duration_ms}:{z}/{x}/{y}"
    etag = '"' + hashlib.blake2s(key.encode(), digest_size=12).hexdigest() + '"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified()
    data = soft_get(key)  # with the cache down, the tile is drawn from PostGIS
    if data is None:
        data = result_tile(analysis, z, x, y)
        if data:
            soft_set(key, data, 24 * 3600)
    response = HttpResponse(data, content_type="application/vnd.mapbox-vector-tile")
    response["ETag"] = etag
    response["Cache-Control"] = (
        "public, max-age=3600" if analysis.is_published else "private, max-age=3600"
    )
    return response
