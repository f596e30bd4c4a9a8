from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cities.models import City, Sector
from toolkit import selectors
from toolkit.dimensions import DIMENSIONS
from toolkit.forms import FeedbackForm, StartForm
from toolkit.models import EngagementEvent, ImplementationPlan, Status, Tool, ToolFeedback
from toolkit.pdf import tool_pdf
from toolkit.recommend import recommend_path
from toolkit.selectors import published_tools_prefetch
from toolkit.services import feedback_save

PAGE_SIZE = 24


@require_GET
def toolkit_index(request: HttpRequest) -> HttpResponse:
    query = selectors.ToolQuery.from_query(request.GET)
    language = get_language()
    results = selectors.tool_search(query=query, language=language)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.facet_counts(query=query, language=language)
    options = selectors.facet_options()
    facets = [
        {
            "name": name,
            "options": [
                {
                    "value": value,
                    "label": label,
                    "count": counts[name].get(value, 0),
                    "checked": value in getattr(query, name),
                }
                for value, label in options[name]
            ],
        }
        for name in selectors.FACETS
    ]
    totals = selectors.dimension_counts()
    dimensions = [{"info": d, "count": totals.get(d.key, 0)} for d in DIMENSIONS]
    context = {
        "query": query,
        "page": page,
        "facets": facets,
        "dimensions": dimensions,
        "sorts": [
            ("relevance", _("Relevance")),
            ("newest", _("Newest")),
            ("useful", _("Most useful")),
            ("title", _("Title")),
        ],
    }
    return render(request, "toolkit/index.html", context)


@require_http_methods(["GET", "POST"])
def tool_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        tool = selectors.tool_detail(slug=slug)
    except Tool.DoesNotExist:
        raise Http404("no such tool") from None
    mine = None
    if request.user.is_authenticated:
        mine = ToolFeedback.objects.filter(tool=tool, user=request.user).first()
    form = FeedbackForm(instance=mine)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.path}")
        form = FeedbackForm(request.POST, instance=mine)
        if form.is_valid():
            feedback_save(
                tool=tool,
                user=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, _("Thank you: your rating is saved."))
            return redirect(tool.get_absolute_url() + "#feedback")
    cases = selectors.published_case_studies().filter(tools=tool).order_by("title")
    context = {
        "tool": tool,
        "related": selectors.published_tools().filter(related=tool).order_by("title"),
        "cases": cases,
        "case_points": [
            {
                "title": c.title,
                "url": c.get_absolute_url(),
                "lat": c.location.y,
                "lon": c.location.x,
            }
            for c in cases
        ],
        "comments": tool.feedback.filter(hidden=False)
        .exclude(comment="")
        .order_by("-updated_at")[:10],
        "feedback_form": form,
        "my_feedback": mine,
    }
    status = 400 if request.method == "POST" else 200  # a valid POST has redirected
    return render(request, "toolkit/tool_detail.html", context, status=status)


@require_GET
def tool_pdf_download(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        tool = selectors.tool_detail(slug=slug)
    except Tool.DoesNotExist:
        raise Http404("no such tool") from None
    response = HttpResponse(tool_pdf(tool, request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{tool.slug}.pdf"'
    return response


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    form = StartForm(request.GET or None)
    path = None
    if form.is_valid():
        path = recommend_path(**form.cleaned_data)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "toolkit/start.html", {"form": form, "path": path}, status=status)


@require_GET
def case_study_list(request: HttpRequest) -> HttpResponse:
    cases = selectors.published_case_studies().prefetch_related("tools", "sectors")
    city = request.GET.get("city", "")
    sector = request.GET.get("sector", "")
    tool = request.GET.get("tool", "")
    if city:
        cases = cases.filter(city__slug=city)
    if sector.isdecimal() and len(sector) <= 2:
        cases = cases.filter(sectors__code=int(sector))
    if tool:
        cases = cases.filter(tools__slug=tool)
    cases = cases.distinct().order_by("city__slug", "title")
    context = {
        "cases": cases,
        "cities": City.objects.order_by("slug"),
        "tools": selectors.published_tools().order_by("title").only("slug", "title"),
        # Every sector some published case study has, whatever is filtered now.
        "sectors": Sector.objects.filter(casestudy__status=Status.PUBLISHED)
        .distinct()
        .order_by("code"),
        "selected": {"city": city, "sector": sector, "tool": tool},
        "points": [
            {
                "title": c.title,
                "url": c.get_absolute_url(),
                "lat": c.location.y,
                "lon": c.location.x,
            }
            for c in cases
        ],
    }
    return render(request, "toolkit/case_study_list.html", context)


@require_GET
def case_study_detail(request: HttpRequest, slug: str) -> HttpResponse:
    case = get_object_or_404(
        selectors.published_case_studies().prefetch_related("tools", "sectors", "images"), slug=slug
    )
    tools = [t for t in case.tools.all() if t.status == Status.PUBLISHED]
    context = {
        "case": case,
        "tools": tools,
        "points": [{"title": case.title, "lat": case.location.y, "lon": case.location.x}],
        "city_map_url": (
            f"{case.city.get_absolute_url()}?layers=districts,sites,land"
            f"&map=15/{case.location.y:.5f}/{case.location.x:.5f}"
        ),
    }
    return render(request, "toolkit/case_study_detail.html", context)


def plan_context(plan: ImplementationPlan) -> dict:
    """The plan page's content: its actions on a timeline, with their progress."""
    actions = list(plan.actions.prefetch_related(published_tools_prefetch()).order_by("order"))
    dated = [a for a in actions if a.start and a.end]
    first = min((a.start for a in dated), default=None)
    last = max((a.end for a in dated), default=None)
    span = (last - first).days if first and last else 0
    for action in actions:
        if span and action.start and action.end:
            action.offset_pct = round((action.start - first).days / span * 100, 2)
            action.width_pct = max(1.5, round((action.end - action.start).days / span * 100, 2))
    return {
        "plan": plan,
        "actions": actions,
        "first": first,
        "last": last,
        "years": list(range(first.year, last.year + 1)) if first and last else [],
        "done": sum(1 for a in actions if a.state == "done"),
    }


@require_GET
def city_plan(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_object_or_404(
        ImplementationPlan.objects.select_related("city").filter(status=Status.PUBLISHED),
        city__slug=slug,
    )
    return render(request, "toolkit/plan.html", plan_context(plan))


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    events = (
        EngagementEvent.objects.filter(status=Status.PUBLISHED)
        .select_related("city")
        .prefetch_related(published_tools_prefetch())
        .order_by("-date")
    )
    city = request.GET.get("city", "")
    if city:
        events = events.filter(city__slug=city)
    return render(
        request,
        "toolkit/events.html",
        {"events": events, "cities": City.objects.order_by("slug"), "selected_city": city},
    )
