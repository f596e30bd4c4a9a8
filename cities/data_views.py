"""The staff data area (/staff/data/), the public dataset pages (/data/<slug>/) and exports."""

import csv

from django.contrib import messages
from django.db import connection
from django.db.models import Count
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cities.data_forms import CityForm, CommitForm, MappingForm, UploadForm, ValueMappingForm
from cities.datasets import DatasetInUse, dataset_delete_request, dataset_usage
from cities.gis_io import steps
from cities.gis_io.exports import FORMATS, export_chunks, export_filename, export_rate_limited
from cities.gis_io.targets import TARGETS
from cities.layers import LayerFilterError, get_layer, parse_filters
from cities.models import (
    Activity,
    City,
    Dataset,
    District,
    Import,
    ImportIssue,
    Indicator,
    Job,
    LandZone,
    MaterialCategory,
    Sector,
    ZoningCategory,
)
from cities.visibility import readable_datasets
from portal.access import require

data_manager = require(lambda user: user.is_data_manager)
REPORT_ROWS_SHOWN = 200


@require_GET
@data_manager
def data_home(request: HttpRequest) -> HttpResponse:
    datasets = Dataset.objects.order_by("name").select_related("imported_by")
    imports = Import.objects.select_related("city", "job", "created_by", "dataset")[:20]
    deletions = Job.objects.filter(
        kind="dataset_delete", status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
    )
    return render(
        request,
        "cities/data/home.html",
        {"datasets": datasets, "imports": imports, "deletions": deletions},
    )


def _upload_page(request: HttpRequest, form, template: str, **create) -> HttpResponse:
    """Keep the uploaded file and go to its import page, or show the form with its errors."""
    if request.method == "POST" and form.is_valid():
        try:
            imp = steps.import_create(
                upload=form.cleaned_data["file"],
                user=request.user,
                options=form.options(),
                **create,
            )
        except steps.ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            return redirect(imp)
    return render(request, template, {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@data_manager
def import_new(request: HttpRequest) -> HttpResponse:
    initial = {k: request.GET[k] for k in ("target",) if k in request.GET}
    if "city" in request.GET:
        initial["city"] = City.objects.filter(slug=request.GET["city"]).first()
    form = UploadForm(request.POST or None, request.FILES or None, initial=initial)
    create = {}
    if request.method == "POST" and form.is_valid():
        create = {"target": form.cleaned_data["target"], "city": form.cleaned_data["city"]}
    return _upload_page(request, form, "cities/data/upload.html", **create)


@require_http_methods(["GET", "POST"])
@data_manager
def city_new(request: HttpRequest) -> HttpResponse:
    form = CityForm(request.POST or None, request.FILES or None)
    return _upload_page(request, form, "cities/data/city_new.html", target="city")


def _import(pk: int) -> Import:
    return get_object_or_404(
        Import.objects.select_related("city", "job", "dataset", "created_by"), pk=pk
    )


@require_http_methods(["GET", "POST"])
@data_manager
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _import(pk)
    mapping_form = commit_form = values_form = None
    status = 200
    if imp.stage in (Import.Stage.MAP, Import.Stage.REVIEW) and imp.inspection:
        mapping_form = MappingForm(
            request.POST if request.POST.get("action") == "validate" else None, imp=imp
        )
    if imp.stage == Import.Stage.REVIEW:
        unknown = _unknown_values(imp)
        values_form = ValueMappingForm(
            request.POST if request.POST.get("action") == "values" else None,
            unknown=unknown,
            choices=_value_choices(imp, {field for field, _v, _n in unknown}),
        )
        commit_form = CommitForm(
            request.POST if request.POST.get("action") == "commit" else None, imp=imp
        )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "validate" and mapping_form is not None and mapping_form.is_valid():
                data = mapping_form.cleaned_data
                steps.import_map(
                    imp=imp,
                    layer=data.get("layer", imp.layer),
                    encoding=data.get("encoding", imp.encoding),
                    srid=data.get("srid", imp.srid),
                    mapping=mapping_form.mapping(),
                )
                return redirect(imp)
            if action == "values" and values_form is not None and values_form.is_valid():
                mapping = dict(imp.mapping)
                chosen = mapping.get("values", {})
                for field, values in values_form.values().items():
                    chosen.setdefault(field, {}).update(values)
                mapping["values"] = chosen
                steps.import_map(
                    imp=imp, layer=imp.layer, encoding=imp.encoding, srid=imp.srid, mapping=mapping
                )
                return redirect(imp)
            if action == "commit" and commit_form is not None and commit_form.is_valid():
                data = commit_form.cleaned_data
                steps.import_request_commit(
                    imp=imp,
                    mode=data["mode"],
                    dataset=data.get("dataset"),
                    dataset_values=commit_form.dataset_values() if data["mode"] == "new" else None,
                )
                return redirect(imp)
            if action == "cancel":
                steps.import_cancel(imp=imp)
                messages.info(request, _("Cancelling: the step stops and writes nothing."))
                return redirect(imp)
            if action == "discard":
                steps.import_discard(imp=imp)
                messages.info(request, _("The import and its file are gone."))
                return redirect("data:home")
            status = 400
        except steps.ImportRefused as exc:
            messages.error(request, str(exc))
            status = 409
    issues = ImportIssue.objects.filter(upload=imp)
    context = {
        "imp": imp,
        "target": TARGETS[imp.target],
        "job": imp.job,
        "busy": steps.import_busy(imp),
        "layer": _inspected_layer(imp),
        "extent": _extent_geojson(imp),
        "mapping_form": mapping_form,
        "values_form": values_form,
        "commit_form": commit_form,
        "issues": issues.order_by("severity", "row", "id")[:REPORT_ROWS_SHOWN],
        "report_rows_shown": REPORT_ROWS_SHOWN,
    }
    return render(request, "cities/data/import.html", context, status=status)


def _inspected_layer(imp: Import) -> dict | None:
    layers = (imp.inspection or {}).get("layers", [])
    return next((x for x in layers if x["name"] == imp.layer), layers[0] if layers else None)


def _extent_geojson(imp: Import) -> str | None:
    """The file's extent in longitude and latitude, for the map over the city."""
    layer = _inspected_layer(imp)
    if not layer or not layer.get("extent") or not imp.srid:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_AsGeoJSON(cities_import_geometry(ST_AsBinary(ST_MakeEnvelope("
            "%s, %s, %s, %s)), %s), 6)",
            [*layer["extent"], imp.srid],
        )
        return cursor.fetchone()[0]


def _unknown_values(imp: Import) -> list[tuple[str, str, int]]:
    """Codes the report could not match, most frequent first: (field, value, rows)."""
    rows = (
        ImportIssue.objects.filter(upload=imp, severity="error")
        .exclude(code="")
        .values_list("code", "value")
        .annotate(n=Count("id"))
        .order_by("-n")[:50]
    )
    return [(field, value, n) for field, value, n in rows]


def _value_choices(imp: Import, fields: set[str]) -> dict[str, list]:
    target = TARGETS[imp.target]
    choices: dict[str, list] = {}
    for name in fields:
        kind = target.field(name).type
        if kind in ("nace", "nace_or_total"):
            choices[name] = [(str(s.code), str(s)) for s in Sector.objects.order_by("code")]
        elif kind == "zoning":
            choices[name] = [(z.code, str(z)) for z in ZoningCategory.objects.filter(city=imp.city)]
        elif kind == "protection":
            choices[name] = list(LandZone.Protection.choices)
        elif kind == "indicator":
            choices[name] = list(Indicator.Key.choices)
        elif kind == "material":
            choices[name] = [(m.code, m.name) for m in MaterialCategory.objects.all()]
        elif kind in ("district", "flow_end"):
            districts = [(d.slug, d.name) for d in District.objects.filter(city=imp.city)]
            choices[name] = districts + (list(Activity.choices) if kind == "flow_end" else [])
    return choices


@require_GET
@data_manager
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the import page polls while a step runs."""
    imp = _import(pk)
    job = imp.job
    return JsonResponse(
        {
            "stage": imp.stage,
            "status": job.status if job else None,
            "progress": job.progress if job else 0,
            "message": job.message if job else "",
            "done": job.done if job else None,
            "total": job.total if job else None,
            "finished": job.is_finished if job else True,
        }
    )


class _Line:
    """csv.writer's file: hands back each line it is given."""

    def write(self, text: str) -> str:
        return text


def _cell(value) -> str:
    """A spreadsheet must not run a file's text as a formula (=, +, -, @ first)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
@data_manager
def import_report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole report, streamed: a file with a million bad rows has a million lines."""
    imp = _import(pk)
    writer = csv.writer(_Line())
    issues = ImportIssue.objects.filter(upload=imp).order_by("row", "id")

    def lines():
        yield "\ufeff" + writer.writerow(["row", "field", "value", "message", "severity"])
        for issue in issues.values_list("row", "field", "value", "message", "severity").iterator(
            chunk_size=5000
        ):
            row, field, value, message, severity = issue
            yield writer.writerow([row or "", field, _cell(value), message, severity])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"import-{imp.pk}-report.csv"
    )
    return response


# ---- Datasets ---------------------------------------------------------------------------


@require_GET
def dataset_detail(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = get_object_or_404(Dataset.objects.select_related("imported_by"), slug=slug)
    usage = dataset_usage(dataset)
    staff = request.user.is_authenticated and request.user.is_data_manager
    hidden = dataset.is_embargoed and dataset.pk not in readable_datasets(request)
    downloads = [] if hidden else _dataset_downloads(dataset, usage)
    context = {
        "dataset": dataset,
        "usage": usage,
        "downloads": downloads,
        "imports": dataset.imports.select_related("created_by", "job", "city") if staff else [],
        "staff": staff,
    }
    return render(request, "cities/data/dataset.html", context)


def _dataset_downloads(dataset: Dataset, usage) -> list[dict]:
    slugs = {"sites": "sites", "zones": "zones", "districts": "districts", "context": "context"}
    links = []
    for key, slug in slugs.items():
        if usage.counts.get(key):
            layer = get_layer(slug)
            links.append(
                {
                    "layer": layer,
                    "formats": [
                        (
                            f,
                            f"{reverse('export', kwargs={'layer': slug, 'fmt': f.slug})}"
                            f"?dataset={dataset.slug}",
                        )
                        for f in FORMATS.values()
                    ],
                }
            )
    return links


@require_http_methods(["GET", "POST"])
@data_manager
def dataset_delete_view(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = get_object_or_404(Dataset, slug=slug)
    usage = dataset_usage(dataset)
    status = 200
    if request.method == "POST":
        try:
            job = dataset_delete_request(dataset=dataset, expected=usage.total, user=request.user)
        except DatasetInUse as exc:
            messages.error(request, str(exc))
            status = 409
        else:
            if job is None:
                messages.success(
                    request,
                    _("The dataset %(name)s and its rows are gone.") % {"name": dataset.name},
                )
            else:
                messages.info(
                    request,
                    _("The dataset %(name)s is being deleted in the background, all at once.")
                    % {"name": dataset.name},
                )
            return HttpResponseRedirect(reverse("data:home"))
    return render(
        request,
        "cities/data/dataset_delete.html",
        {"dataset": dataset, "usage": usage},
        status=status,
    )


# ---- Exports -------------------------------------------------------------------------------


@require_GET
def export(request: HttpRequest, layer: str, fmt: str) -> HttpResponse:
    """GET /export/<layer>.<format>?city=&sector=&year=&bbox=&dataset=&layer=: a whole layer."""
    spec = get_layer(layer)
    if spec is None or fmt not in FORMATS:
        raise Http404("unknown layer or format")
    try:
        filters = parse_filters(spec, request.GET, readable=readable_datasets(request))
    except LayerFilterError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    geometry = request.GET.get("geometry", "wkt")
    if geometry not in ("wkt", "lonlat"):
        return JsonResponse({"detail": _("geometry must be wkt or lonlat.")}, status=400)
    wait = export_rate_limited(request)
    if wait:
        response = JsonResponse(
            {"detail": _("Too many downloads at once: try again in a minute.")}, status=429
        )
        response["Retry-After"] = str(wait)
        return response
    chosen = FORMATS[fmt]
    response = StreamingHttpResponse(
        export_chunks(spec, filters, chosen, geometry=geometry), content_type=chosen.content_type
    )
    response["Content-Disposition"] = content_disposition_header(
        True, export_filename(spec, filters, chosen)
    )
    response["Cache-Control"] = "no-store"
    return response
