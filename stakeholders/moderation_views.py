"""The moderators' queue: new workspaces and edits to published ones, and the decision page."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cities.models import City
from portal.access import require
from stakeholders import selectors
from stakeholders.forms import DecisionForm
from stakeholders.models import Workspace, WorkspaceChange
from stakeholders.permissions import can_moderate
from stakeholders.services import DecisionError, moderation_version, workspace_decide

moderators_only = require(can_moderate)


@moderators_only
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    city = request.GET.get("city", "")
    kind = request.GET.get("kind", "")
    if kind not in ("", "new", "edit"):
        kind = ""
    context = {
        "items": selectors.moderation_queue(city=city, kind=kind),
        "counts": selectors.moderation_counts(),
        "cities": City.objects.order_by("slug"),
        "city": city,
        "kind": kind,
    }
    return render(request, "stakeholders/moderation/queue.html", context)


def _change_rows(workspace: Workspace, change: WorkspaceChange | None) -> list[dict]:
    """Field by field, what the listing says now and what the maker proposes."""
    if change is None:
        return []
    rows = []
    for name, value in change.changes.items():
        current = getattr(workspace, name)
        if name == "location":
            current = f"{current.y:.5f}, {current.x:.5f}"
            value = f"{value[1]:.5f}, {value[0]:.5f}"
        elif name == "city":
            value = City.objects.filter(pk=value).first()
        label = capfirst(Workspace._meta.get_field(name).verbose_name)
        rows.append({"label": label, "current": current, "proposed": value})
    return rows


@moderators_only
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, slug: str) -> HttpResponse:
    workspace = get_object_or_404(
        Workspace.objects.select_related("city", "owner", "dataset").prefetch_related(
            "sectors", "processes", "machines", "materials_used", "materials_offered"
        ),
        slug=slug,
    )
    change = workspace.changes.filter(status=WorkspaceChange.Status.PENDING).first()
    version = moderation_version(workspace)
    form = DecisionForm(request.POST or None, initial={"version": version})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                workspace_decide(
                    workspace=workspace,
                    by=request.user,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    version=form.cleaned_data["version"],
                )
            except DecisionError as exc:
                form.add_error(None, exc)
                status = 409
            else:
                messages.success(request, _("Decision saved; the maker will get an email."))
                return redirect("moderation:queue")
        else:
            status = 400
    waiting = workspace.status == Workspace.Status.PENDING or change is not None
    context = {
        "workspace": workspace,
        "change": change,
        "change_rows": _change_rows(workspace, change),
        "photos": workspace.photos.all(),
        "events": workspace.events.select_related("actor"),
        "form": form if waiting else None,
        "map_points": [
            {"lat": workspace.location.y, "lon": workspace.location.x, "title": workspace.name}
        ],
    }
    return render(request, "stakeholders/moderation/review.html", context, status=status)
