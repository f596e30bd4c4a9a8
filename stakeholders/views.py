"""Maker pages: the directory and its map, workspace profiles, registration and editing."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models import Extent
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from formtools.wizard.views import SessionWizardView

from cities.bbox import BBoxError, parse_bbox
from cities.models import City
from stakeholders import selectors
from stakeholders.filters import DEFAULT_KM, WorkspaceFilter
from stakeholders.forms import (
    REGISTRATION_STEPS,
    STEP_FORMS,
    STEP_LABELS,
    PhotoFormSet,
    ReviewForm,
    WorkspaceForm,
)
from stakeholders.models import Workspace, WorkspacePhoto
from stakeholders.permissions import can_edit_workspace, can_see_contact, can_view_workspace
from stakeholders.services import (
    MAX_PHOTOS,
    workspace_confirm,
    workspace_photo_delete,
    workspace_register,
    workspace_set_closed,
    workspace_update,
)
from stakeholders.uploads import registration_storage

PAGE_SIZE = 20
IMAGE_TYPES = {"jpeg": "image/jpeg", "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@require_GET
def maker_directory(request: HttpRequest) -> HttpResponse:
    filters = WorkspaceFilter(request.GET or None, queryset=selectors.workspaces_listed())
    status = 200
    if filters.is_bound and not filters.is_valid():
        status = 400
        results = Workspace.objects.none()
    else:
        results = selectors.workspace_cards(filters.qs)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "near": filters.near_point,
        "filtered": bool(query),
        "map_view_json": json.dumps(_map_view(filters)),
        "map_context_json": json.dumps(
            [reverse("cities:districts-geojson", args=[slug]) for slug in _map_cities(filters)]
        ),
        "map_labels_json": json.dumps(
            {
                "cluster": _("%n workspaces here: zoom in"),
                "shown": _("%n workspaces in this part of the map."),
                "stale": _("Possibly out of date"),
                "error": _("The map could not load the workspaces. Try again later."),
            }
        ),
    }
    return render(request, "stakeholders/directory.html", context, status=status)


def _map_cities(filters: WorkspaceFilter) -> list[str]:
    data = filters.form.cleaned_data if filters.is_bound and filters.is_valid() else {}
    if data.get("city") is not None:
        return [data["city"].slug]
    return list(City.objects.order_by("slug").values_list("slug", flat=True))


def _map_view(filters: WorkspaceFilter) -> dict:
    """Where the map opens: around the `near` circle, on the chosen city, or on all cities."""
    data = filters.form.cleaned_data if filters.is_bound and filters.is_valid() else {}
    point = data.get("near")
    if point is not None:
        return {"centre": [point.y, point.x], "zoom": 12, "near": [point.y, point.x],
                "km": float(data.get("km") or DEFAULT_KM)}  # fmt: skip
    cities = City.objects.exclude(outline=None)
    if data.get("city") is not None:
        cities = cities.filter(pk=data["city"].pk)
    extent = cities.aggregate(extent=Extent("outline"))["extent"]
    if extent is None:
        return {}
    west, south, east, north = extent
    return {"bounds": [[south, west], [north, east]]}


@require_GET
def directory_map(request: HttpRequest) -> HttpResponse:
    """The directory map's markers for a box at a zoom, with the page's filters."""
    try:
        bbox = parse_bbox(request.GET.get("bbox", ""))
        zoom = int(request.GET.get("zoom", ""))
        if bbox is None or not 0 <= zoom <= 22:
            raise ValueError
        # Web Mercator ends at ±85.05°: a box past it is clipped, not an error.
        west, south, east, north = bbox
        bbox = (west, max(south, -85.0), east, min(north, 85.0))
    except (BBoxError, ValueError):
        return JsonResponse(
            {"detail": _("Give bbox=west,south,east,north and zoom=0…22.")}, status=400
        )
    filters = WorkspaceFilter(request.GET, queryset=selectors.workspaces_listed())
    if not filters.is_valid():
        return JsonResponse({"detail": filters.errors.get_json_data()}, status=400)
    body = selectors.workspace_clusters(filters.qs, bbox=bbox, zoom=zoom)
    return HttpResponse(body, content_type="application/geo+json")


def _workspace_for(request: HttpRequest, slug: str) -> Workspace:
    workspace = selectors.workspace_detail(slug)
    # Someone who may not see it learns nothing, not even that it exists.
    if workspace is None or not can_view_workspace(request.user, workspace):
        raise Http404
    return workspace


@require_GET
def workspace_detail(request: HttpRequest, slug: str) -> HttpResponse:
    workspace = _workspace_for(request, slug)
    editable = can_edit_workspace(request.user, workspace)
    photos = [p for p in workspace.photos.all() if p.approved or editable]
    context = {
        "workspace": workspace,
        "photos": photos,
        "can_edit": editable,
        "show_contact": can_see_contact(request.user, workspace),
        "matches": selectors.workspace_matches(workspace) if workspace.is_listed else [],
        "map_points": [
            {"lat": workspace.location.y, "lon": workspace.location.x, "title": workspace.name}
        ],
    }
    return render(request, "stakeholders/workspace_detail.html", context)


@method_decorator(login_required, name="dispatch")
class RegisterWorkspace(SessionWizardView):
    form_list = [*STEP_FORMS, ("photos", PhotoFormSet), ("review", ReviewForm)]
    template_name = "stakeholders/register.html"

    @property
    def file_storage(self):
        """Photos between steps: private (never served), checked and re-encoded when the
        registration is sent; formtools deletes them then, a daily task if abandoned."""
        return registration_storage()

    def get_form_step_files(self, form):
        """Keep only the photo step's own image fields: formtools would store every
        uploaded file of the request, whatever its name."""
        if self.steps.current != "photos":
            return {}
        names = {f"{photo.prefix}-image" for photo in form.forms}
        return {name: upload for name, upload in form.files.items() if name in names}

    def get_form_kwargs(self, step=None):
        return {} if step in ("photos", "review") else {"instance": Workspace()}

    def get_form(self, step=None, data=None, files=None):
        form = super().get_form(step, data, files)
        step = step or self.steps.current
        if step == "place":
            # The pin is checked against the city chosen in the first step.
            about = self.get_cleaned_data_for_step("about") or {}
            form.instance.city = about.get("city")
            if form.instance.city is not None:
                form.fields["location"].widget.city_id = str(form.instance.city.pk)
        return form

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        context["step_labels"] = [STEP_LABELS[name] for name in self.get_form_list()]
        context["step_label"] = STEP_LABELS[self.steps.current]
        context["max_photos"] = MAX_PHOTOS
        if self.steps.current == "review":
            context["summary"] = self._summary()
        return context

    def _summary(self) -> list[tuple[str, str]]:
        rows = []
        for name, form_class in STEP_FORMS:
            data = self.get_cleaned_data_for_step(name) or {}
            form = form_class()
            for field_name in form_class._meta.fields:
                value = data.get(field_name)
                field = form.fields[field_name]
                if field_name == "location" and value is not None:
                    shown = f"{value.y:.5f}, {value.x:.5f}"
                elif hasattr(value, "all") or isinstance(value, list | tuple):
                    choices = dict(getattr(field, "choices", []))
                    items = value.all() if hasattr(value, "all") else value
                    shown = ", ".join(str(choices.get(v, v)) for v in items)
                elif isinstance(value, bool):
                    shown = _("Yes") if value else _("No")
                elif field_name == "tenure":
                    shown = dict(Workspace.Tenure.choices).get(value, "")
                else:
                    shown = "" if value is None else str(value)
                rows.append((field.label, shown))
        photos = [f for f in (self.get_cleaned_data_for_step("photos") or []) if f.get("image")]
        rows.append((_("Photos"), str(len(photos))))
        return rows

    def done(self, form_list, form_dict, **kwargs):
        data = {}
        for name, _form in STEP_FORMS:
            data.update(form_dict[name].cleaned_data)
        photos = [photo for f in form_dict["photos"].forms if (photo := f.photo()) is not None]
        try:
            workspace = workspace_register(owner=self.request.user, data=data, photos=photos)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return redirect("stakeholders:register")
        messages.success(
            self.request,
            _("Thank you. “%(name)s” is waiting for a moderator; we will email you.")
            % {"name": workspace.name},
        )
        return redirect("dashboard")


def _editable(request: HttpRequest, slug: str) -> Workspace:
    workspace = _workspace_for(request, slug)
    if not can_edit_workspace(request.user, workspace):
        raise PermissionDenied
    return workspace


@login_required
@require_http_methods(["GET", "POST"])
def workspace_edit(request: HttpRequest, slug: str) -> HttpResponse:
    workspace = _editable(request, slug)
    form = WorkspaceForm(request.POST or None, instance=workspace)
    photos = PhotoFormSet(request.POST or None, request.FILES or None, prefix="photos")
    status = 200
    if request.method == "POST":
        if form.is_valid() and photos.is_valid():
            data = {name: form.cleaned_data[name] for name in form.fields}
            new_photos = [p for f in photos.forms if (p := f.photo()) is not None]
            try:
                # The form wrote its values on the instance: the service reads a fresh row.
                change = workspace_update(
                    workspace=Workspace.objects.get(pk=workspace.pk),
                    by=request.user,
                    data=data,
                    photos=new_photos,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                if change is not None:
                    messages.success(
                        request,
                        _(
                            "Saved. Changes to the texts, place or contact details are "
                            "shown once a moderator approves them."
                        ),
                    )
                else:
                    messages.success(request, _("Saved."))
                return redirect("stakeholders:workspace", slug=workspace.slug)
        else:
            status = 400
    context = {
        "workspace": Workspace.objects.get(pk=workspace.pk),
        "form": form,
        # The same sections as the registration's steps, one heading each.
        "sections": [
            (label, [form[name] for name in fields]) for _n, label, fields in REGISTRATION_STEPS
        ],
        "photos": photos,
        "existing_photos": workspace.photos.all(),
    }
    return render(request, "stakeholders/workspace_edit.html", context, status=status)


@login_required
@require_POST
def workspace_confirm_view(request: HttpRequest, slug: str) -> HttpResponse:
    workspace = _editable(request, slug)
    workspace_confirm(workspace=workspace, by=request.user)
    messages.success(
        request, _("Thank you: “%(name)s” is confirmed as current.") % {"name": workspace.name}
    )
    return redirect("dashboard")


@login_required
@require_POST
def workspace_close_view(request: HttpRequest, slug: str) -> HttpResponse:
    workspace = _editable(request, slug)
    closed = request.POST.get("closed") != "0"
    workspace_set_closed(workspace=workspace, by=request.user, closed=closed)
    if closed:
        messages.success(
            request,
            _("“%(name)s” is marked closed and left the directory.") % {"name": workspace.name},
        )
    else:
        messages.success(request, _("“%(name)s” is open again.") % {"name": workspace.name})
    return redirect("dashboard")


@require_GET
def photo_file(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """A workspace photo, to whoever may see it: approved photos of a published workspace
    to anyone; the others to its owner and the moderators only."""
    photo = get_object_or_404(WorkspacePhoto.objects.select_related("workspace"), pk=pk,
                              workspace__slug=slug)  # fmt: skip
    public = photo.approved and photo.workspace.status == Workspace.Status.APPROVED
    if not public and not can_edit_workspace(request.user, photo.workspace):
        raise Http404
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type=IMAGE_TYPES.get(photo.image.name.rsplit(".", 1)[-1])
    )
    response["Cache-Control"] = "public, max-age=86400" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def photo_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    workspace = _editable(request, slug)
    photo = get_object_or_404(WorkspacePhoto, pk=pk, workspace=workspace)
    workspace_photo_delete(photo=photo, by=request.user)
    messages.success(request, _("Photo removed."))
    return redirect("stakeholders:edit", slug=workspace.slug)
