"""Reads of the toolkit: faceted search over published tools, and what pages show."""

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Avg, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import QueryDict

from cities.models import City
from toolkit.dimensions import Dimension
from toolkit.models import (
    Audience,
    CaseStudy,
    EffortLevel,
    Method,
    Status,
    Theme,
    Tool,
    ToolFeedback,
)

SEARCH_CONFIGS = {"en": "english", "fr": "french", "nl": "dutch"}
SORTS = ("relevance", "newest", "useful", "title")
FACETS = ("dimension", "theme", "audience", "method", "city", "effort")


@dataclass
class ToolQuery:
    """What a visitor asked for: words, facets (OR within one, AND across) and an order."""

    q: str = ""
    dimension: list[str] = field(default_factory=list)
    theme: list[str] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)
    method: list[str] = field(default_factory=list)
    city: list[str] = field(default_factory=list)
    effort: list[str] = field(default_factory=list)
    sort: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> "ToolQuery":
        """Unknown facet values are dropped rather than refused: a stale link still works."""
        allowed = {
            "dimension": set(Dimension.values),
            "audience": set(Audience.values),
            "method": set(Method.values),
            "effort": set(EffortLevel.values),
        }
        values = {}
        for name in FACETS:
            picked = [v for v in query.getlist(name) if v and len(v) <= 60]
            if name in allowed:
                picked = [v for v in picked if v in allowed[name]]
            values[name] = sorted(set(picked))[:20]
        sort = query.get("sort", "")
        return cls(q=query.get("q", "").strip()[:200], sort=sort if sort in SORTS else "", **values)

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "title")

    @property
    def is_empty(self) -> bool:
        return not self.q and not any(getattr(self, name) for name in FACETS)


def published_tools() -> QuerySet[Tool]:
    return Tool.objects.filter(status=Status.PUBLISHED)


def _filtered(base: QuerySet[Tool], query: ToolQuery, skip: str | None = None) -> QuerySet[Tool]:
    """Apply every facet but `skip` (a facet's own counts ignore its own choice)."""
    qs = base
    if query.dimension and skip != "dimension":
        qs = qs.filter(dimension__in=query.dimension)
    if query.theme and skip != "theme":
        through = Tool.themes.through.objects.filter(
            tool=OuterRef("pk"), theme__slug__in=query.theme
        )
        qs = qs.filter(Exists(through))
    if query.audience and skip != "audience":
        qs = qs.filter(audiences__overlap=query.audience)
    if query.method and skip != "method":
        qs = qs.filter(methods__overlap=query.method)
    if query.city and skip != "city":
        applied = CaseStudy.tools.through.objects.filter(
            tool=OuterRef("pk"),
            casestudy__city__slug__in=query.city,
            casestudy__status=Status.PUBLISHED,
        )
        qs = qs.filter(Exists(applied))
    if query.effort and skip != "effort":
        qs = qs.filter(effort_level__in=query.effort)
    return qs


def _searched(language: str, query: ToolQuery) -> tuple[QuerySet[Tool], SearchQuery | None]:
    base = published_tools()
    if not query.q:
        return base, None
    config = SEARCH_CONFIGS.get(language, "english")
    search = SearchQuery(query.q, config=config, search_type="websearch")
    return base.filter(
        **{f"search_{language if language in SEARCH_CONFIGS else 'en'}": search}
    ), search


def tool_search(*, query: ToolQuery, language: str) -> QuerySet[Tool]:
    """Published tools matching the words and facets, in the asked order."""
    base, search = _searched(language, query)
    qs = _filtered(base, query)
    vector = f"search_{language if language in SEARCH_CONFIGS else 'en'}"
    sort = query.effective_sort
    if sort == "relevance" and search is not None:
        qs = qs.annotate(rank=SearchRank(F(vector), search)).order_by("-rank", "title")
    elif sort == "newest":
        qs = qs.order_by("-published_at", "title")
    elif sort == "useful":
        rating = (
            ToolFeedback.objects.filter(tool=OuterRef("pk"), hidden=False)
            .values("tool")
            .annotate(avg=Avg("rating"))
            .values("avg")
        )
        qs = qs.annotate(usefulness=Subquery(rating)).order_by(
            F("usefulness").desc(nulls_last=True), "title"
        )
    else:
        qs = qs.order_by("title")
    return qs.prefetch_related("themes").defer(
        "context", "problem", "forces", "solution", "steps", "resources",
        "search_en", "search_fr", "search_nl",
    )  # fmt: skip


def _array_counts(qs: QuerySet[Tool], column: str) -> dict[str, int]:
    sql, params = qs.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT value, count(*) FROM toolkit_tool t "  # noqa: S608 (column from code)
            f"CROSS JOIN LATERAL unnest(t.{column}) AS value WHERE t.id IN ({sql}) GROUP BY value",
            params,
        )
        return dict(cursor.fetchall())


def facet_counts(*, query: ToolQuery, language: str) -> dict[str, dict[str, int]]:
    """For each facet, how many tools each value would give with the other choices kept."""
    base, _search = _searched(language, query)
    counts = {
        "dimension": dict(
            _filtered(base, query, "dimension")
            .values_list("dimension")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "theme": dict(
            Tool.themes.through.objects.filter(
                tool__in=_filtered(base, query, "theme").values("pk")
            )
            .values_list("theme__slug")
            .annotate(n=Count("tool", distinct=True))
            .order_by()
        ),
        "audience": _array_counts(_filtered(base, query, "audience"), "audiences"),
        "method": _array_counts(_filtered(base, query, "method"), "methods"),
        "city": dict(
            CaseStudy.tools.through.objects.filter(
                tool__in=_filtered(base, query, "city").values("pk"),
                casestudy__status=Status.PUBLISHED,
            )
            .values_list("casestudy__city__slug")
            .annotate(n=Count("tool", distinct=True))
            .order_by()
        ),
        "effort": dict(
            _filtered(base, query, "effort")
            .values_list("effort_level")
            .annotate(n=Count("pk"))
            .order_by()
        ),
    }
    return counts


def facet_options() -> dict[str, list[tuple[str, str]]]:
    """The values each facet offers, with their labels in the current language."""
    return {
        "dimension": list(Dimension.choices),
        "theme": [(t.slug, t.name) for t in Theme.objects.order_by("slug")],
        "audience": list(Audience.choices),
        "method": list(Method.choices),
        "city": [
            (c.slug, c.short_name) for c in City.objects.order_by("slug").only("slug", "short_name")
        ],
        "effort": list(EffortLevel.choices),
    }


def dimension_counts() -> dict[str, int]:
    return dict(published_tools().values_list("dimension").annotate(n=Count("pk")).order_by())


def tool_detail(*, slug: str) -> Tool:
    return (
        published_tools()
        .prefetch_related("themes", "files")
        .annotate(
            rating_avg=Avg("feedback__rating", filter=Q(feedback__hidden=False)),
            rating_count=Count("feedback", filter=Q(feedback__hidden=False)),
        )
        .get(slug=slug)
    )


def published_tools_prefetch(name: str = "tools") -> Prefetch:
    """Links to tools, keeping drafts out of what the public sees."""
    return Prefetch(
        name, queryset=published_tools().only("slug", "title", "title_en", "title_fr", "title_nl")
    )


def published_case_studies() -> QuerySet[CaseStudy]:
    return CaseStudy.objects.filter(status=Status.PUBLISHED).select_related("city")
