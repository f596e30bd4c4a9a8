"""The staff area (/staff/): project staff write, preview, publish and revise the toolkit.

One set of views serves every kind of content through KINDS, so that editing,
history, diff and revert behave the same for tools, case studies, plans,
actions and events. Anyone else gets the sign-in page or a 403.
"""

import difflib
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from reversion.models import Version

from portal.access import require
from toolkit import staff_forms
from toolkit.markdown import render_markdown
from toolkit.models import (
    Action,
    CaseStudy,
    EngagementEvent,
    ImplementationPlan,
    Status,
    Tool,
    ToolFeedback,
)
from toolkit.services import (
    TransitionError,
    content_revert,
    content_save,
    content_set_status,
    feedback_set_hidden,
)


def is_project_staff(user) -> bool:
    return user.is_authenticated and user.is_editor


# Signed-out people are sent to sign in; signed-in people who are not editors get a 403.
staff_only = require(is_project_staff)


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type
    form: type
    label: str
    plural: str
    preview_template: str | None = None


KINDS = {
    kind.slug: kind
    for kind in (
        Kind("tools", Tool, staff_forms.ToolForm, gettext_lazy("tool"), gettext_lazy("Tools"),
             "toolkit/tool_detail.html"),
        Kind("case-studies", CaseStudy, staff_forms.CaseStudyForm, gettext_lazy("case study"),
             gettext_lazy("Case studies"), "toolkit/case_study_detail.html"),
        Kind("plans", ImplementationPlan, staff_forms.PlanForm, gettext_lazy("plan"),
             gettext_lazy("Implementation plans"), "toolkit/plan.html"),
        Kind("actions", Action, staff_forms.ActionForm, gettext_lazy("action"),
             gettext_lazy("Plan actions"), "toolkit/plan.html"),
        Kind("events", EngagementEvent, staff_forms.EventForm, gettext_lazy("event"),
             gettext_lazy("Engagement events"), "toolkit/events.html"),
    )
}  # fmt: skip


def _kind(slug: str) -> Kind:
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404("unknown kind of content") from None


@staff_only
def dashboard(request: HttpRequest) -> HttpResponse:
    sections = []
    for kind in KINDS.values():
        qs = kind.model.objects.all()
        if kind.model is Action:
            qs = qs.select_related("plan").order_by("plan", "order")
        elif kind.model in (CaseStudy, EngagementEvent, ImplementationPlan):
            qs = qs.select_related("city")
        sections.append({"kind": kind, "objects": list(qs)})
    counts = dict(Tool.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return render(request, "staff/dashboard.html", {"sections": sections, "counts": counts})


@staff_only
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    spec = _kind(kind)
    obj = get_object_or_404(spec.model, pk=pk) if pk else None
    form = spec.form(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        created = obj is None
        item = form.save(commit=False)
        content_save(
            obj=item,
            user=request.user,
            comment=request.POST.get("change_note", "").strip()[:200]
            or (_("Created") if created else _("Edited")),
            m2m=form.m2m(),
        )
        messages.success(request, _("Saved."))
        return redirect("staff:edit", kind=kind, pk=item.pk)
    context = _edit_context(spec, obj, form)
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/edit.html", context, status=status)


def _edit_context(spec: Kind, obj, form, image_form=None, file_form=None) -> dict:
    """What the edit page shows: the form, the uploads that fit the content, its workflow."""
    if obj is not None and image_form is None and isinstance(obj, CaseStudy):
        image_form = staff_forms.CaseStudyImageForm()
    if obj is not None and file_form is None and isinstance(obj, Tool):
        file_form = staff_forms.ToolFileForm()
    return {
        "kind": spec,
        "obj": obj,
        "form": form,
        "image_form": image_form,
        "file_form": file_form,
        "has_status": hasattr(spec.model, "status") and obj is not None,
        "next_statuses": _next_statuses(obj),
        "versions": _versions(obj)[:5] if obj else [],
    }


def _next_statuses(obj) -> list[tuple[str, str]]:
    from toolkit.services import TRANSITIONS

    if obj is None or not hasattr(obj, "status"):
        return []
    labels = {
        Status.REVIEW: _("Send for review"),
        Status.PUBLISHED: _("Publish"),
        Status.DRAFT: _("Back to draft"),
    }
    return [(s.value, labels[s]) for s in TRANSITIONS.get(obj.status, ())]


def _versions(obj) -> list[Version]:
    return list(Version.objects.get_for_object(obj).select_related("revision", "revision__user"))


@staff_only
@require_POST
def set_status(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = _kind(kind)
    if not hasattr(spec.model, "status"):
        raise Http404("this kind of content has no status")
    obj = get_object_or_404(spec.model, pk=pk)
    try:
        content_set_status(obj=obj, status=request.POST.get("status", ""), user=request.user)
    except (TransitionError, ValueError) as exc:
        messages.error(request, str(exc))
        return redirect("staff:edit", kind=kind, pk=pk)
    messages.success(
        request, _("Status changed to %(status)s.") % {"status": obj.get_status_display()}
    )
    return redirect("staff:edit", kind=kind, pk=pk)


@staff_only
def preview(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The page as readers will see it, whatever its status."""
    spec = _kind(kind)
    if spec.preview_template is None:
        raise Http404("no preview for this kind")
    obj = get_object_or_404(spec.model, pk=pk)
    if isinstance(obj, ImplementationPlan | Action):
        from toolkit.views import plan_context

        context = plan_context(obj if isinstance(obj, ImplementationPlan) else obj.plan)
    elif isinstance(obj, EngagementEvent):
        context = {"events": [obj], "cities": [], "selected_city": ""}
    elif isinstance(obj, Tool):
        context = {
            "tool": obj, "related": obj.related.order_by("title"),
            "cases": obj.case_studies.select_related("city"), "case_points": [],
            "comments": [], "feedback_form": None, "my_feedback": None,
        }  # fmt: skip
    else:
        context = {
            "case": obj, "tools": list(obj.tools.all()),
            "points": [{"title": obj.title, "lat": obj.location.y, "lon": obj.location.x}],
            "city_map_url": obj.city.get_absolute_url(),
        }  # fmt: skip
    status_of = obj.plan if isinstance(obj, Action) else obj
    context["preview"] = {"edit_url": reverse("staff:edit", kwargs={"kind": kind, "pk": pk}),
                          "status": status_of.get_status_display()}  # fmt: skip
    return render(request, spec.preview_template, context)


@staff_only
def history(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = _kind(kind)
    obj = get_object_or_404(spec.model, pk=pk)
    return render(
        request, "staff/history.html", {"kind": spec, "obj": obj, "versions": _versions(obj)}
    )


def _word_diff(old: str, new: str) -> str:
    """HTML of the change from old to new, word by word, with <del> and <ins>."""
    a, b = str(old or "").split(" "), str(new or "").split(" ")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(" ".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
    return mark_safe(" ".join(out))  # noqa: S308 (every piece escaped above)


@staff_only
def diff(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = _kind(kind)
    obj = get_object_or_404(spec.model, pk=pk)
    versions = {v.pk: v for v in _versions(obj)}
    try:
        old = versions[int(request.GET.get("from", ""))]
        new = versions[int(request.GET.get("to", ""))]
    except (KeyError, ValueError):
        context = {
            "kind": spec,
            "obj": obj,
            "versions": list(versions.values()),
            "error": _("Choose two versions of this item to compare."),
        }
        return render(request, "staff/history.html", context, status=400)
    skip = {"id", "search_en", "search_fr", "search_nl", "updated_at", "created_at"}
    changes = []
    for name in sorted(set(old.field_dict) | set(new.field_dict)):
        # The untranslated column mirrors the English one: show each change once.
        if name in skip or f"{name}_en" in new.field_dict:
            continue
        before, after = old.field_dict.get(name), new.field_dict.get(name)
        if before != after:
            label = name
            try:
                label = str(spec.model._meta.get_field(name).verbose_name)
            except Exception:  # a field that no longer exists keeps its name
                label = name
            changes.append({"field": label, "html": _word_diff(_text(before), _text(after))})
    return render(
        request,
        "staff/diff.html",
        {"kind": spec, "obj": obj, "old": old, "new": new, "changes": changes},
    )


def _text(value) -> str:
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in sorted(value, key=str))
    return "" if value is None else str(value)


@staff_only
@require_POST
def revert(request: HttpRequest, kind: str, pk: int, version: int) -> HttpResponse:
    spec = _kind(kind)
    obj = get_object_or_404(spec.model, pk=pk)
    chosen = next((v for v in _versions(obj) if v.pk == version), None)
    if chosen is None:
        raise Http404("no such version of this item")
    content_revert(obj=obj, version=chosen, user=request.user)
    messages.success(request, _("The earlier version is back, saved as a new version."))
    return redirect("staff:edit", kind=kind, pk=pk)


def _save_upload(obj, field: str) -> None:
    """Store the file and its row together: if the row cannot be written, remove the file."""
    try:
        with transaction.atomic():
            obj.save()
    except Exception:
        stored = getattr(obj, field)
        if stored and stored.name:
            stored.storage.delete(stored.name)
        raise


class MarkdownPreviewForm(forms.Form):
    text = forms.CharField(required=False, max_length=100_000)


@staff_only
@require_POST
def markdown_preview(request: HttpRequest) -> JsonResponse:
    form = MarkdownPreviewForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"detail": _("The text is too long to preview.")}, status=400)
    return JsonResponse({"html": str(render_markdown(form.cleaned_data["text"]))})


@staff_only
@require_POST
def upload_image(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(CaseStudy, pk=pk)
    form = staff_forms.CaseStudyImageForm(request.POST, request.FILES)
    if form.is_valid():
        image = form.save(commit=False)
        image.case_study = case
        _save_upload(image, "image")
        messages.success(request, _("Image added."))
        return redirect("staff:edit", kind="case-studies", pk=pk)
    spec = KINDS["case-studies"]
    context = _edit_context(spec, case, spec.form(instance=case), image_form=form)
    return render(request, "staff/edit.html", context, status=400)


@staff_only
@require_POST
def upload_file(request: HttpRequest, pk: int) -> HttpResponse:
    tool = get_object_or_404(Tool, pk=pk)
    form = staff_forms.ToolFileForm(request.POST, request.FILES)
    if form.is_valid():
        item = form.save(commit=False)
        item.tool = tool
        _save_upload(item, "file")
        messages.success(request, _("File added."))
        return redirect("staff:edit", kind="tools", pk=pk)
    spec = KINDS["tools"]
    context = _edit_context(spec, tool, spec.form(instance=tool), file_form=form)
    return render(request, "staff/edit.html", context, status=400)


@staff_only
def feedback(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        raw = request.POST.get("feedback", "")
        item = get_object_or_404(
            ToolFeedback, pk=int(raw) if raw.isdecimal() and len(raw) < 19 else 0
        )
        feedback_set_hidden(feedback=item, hidden=request.POST.get("hidden") == "1")
        return redirect("staff:feedback")
    ratings = (
        Tool.objects.annotate(
            rating_avg=Avg("feedback__rating", filter=Q(feedback__hidden=False)),
            rating_count=Count("feedback", filter=Q(feedback__hidden=False)),
            hidden_count=Count("feedback", filter=Q(feedback__hidden=True)),
        )
        .filter(Q(rating_count__gt=0) | Q(hidden_count__gt=0))
        .order_by("-rating_count", "title")
    )
    comments = (
        ToolFeedback.objects.exclude(comment="")
        .select_related("tool", "user")
        .order_by("-updated_at")[:200]
    )
    return render(request, "staff/feedback.html", {"ratings": ratings, "comments": comments})
