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


# The facets with a fixed vocabulary (themes and cities are rows).
FACET_VALUES = {
    "dimension": set(Dimension.values),
    "audience": set(Audience.values),
    "method": set(Method.values),
    "effort": set(EffortLevel.values),
}


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
        allowed = FACET_VALUES
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


# Every facet's counts in one statement: the search runs once (the `base` CTE),
# each tool carries whether it passes each facet, and each facet counts the
# tools that pass all the *other* facets.
_FACET_COUNTS_SQL = """
WITH base AS MATERIALIZED (
  SELECT t.id, t.dimension, t.audiences, t.methods, t.effort_level,
         (%(dimension)s::text[] = '{}' OR t.dimension = ANY(%(dimension)s)) AS dimension_ok,
         (%(theme)s::text[] = '{}' OR EXISTS (
            SELECT 1 FROM toolkit_tool_themes tt JOIN toolkit_theme th ON th.id = tt.theme_id
            WHERE tt.tool_id = t.id AND th.slug = ANY(%(theme)s))) AS theme_ok,
         (%(audience)s::text[] = '{}' OR t.audiences && %(audience)s::varchar[]) AS audience_ok,
         (%(method)s::text[] = '{}' OR t.methods && %(method)s::varchar[]) AS method_ok,
         (%(city)s::text[] = '{}' OR EXISTS (
            SELECT 1 FROM toolkit_casestudy_tools ct
            JOIN toolkit_casestudy cs ON cs.id = ct.casestudy_id AND cs.status = 'published'
            JOIN cities_city c ON c.id = cs.city_id
            WHERE ct.tool_id = t.id AND c.slug = ANY(%(city)s))) AS city_ok,
         (%(effort)s::text[] = '{}' OR t.effort_level = ANY(%(effort)s)) AS effort_ok
  FROM toolkit_tool t
  WHERE t.status = 'published' {search}
)
SELECT 'dimension', dimension, count(*) FROM base
  WHERE theme_ok AND audience_ok AND method_ok AND city_ok AND effort_ok GROUP BY 2
UNION ALL
SELECT 'theme', th.slug, count(DISTINCT b.id) FROM base b
  JOIN toolkit_tool_themes tt ON tt.tool_id = b.id JOIN toolkit_theme th ON th.id = tt.theme_id
  WHERE dimension_ok AND audience_ok AND method_ok AND city_ok AND effort_ok GROUP BY 2
UNION ALL
SELECT 'audience', value, count(*) FROM base b CROSS JOIN LATERAL unnest(b.audiences) AS value
  WHERE dimension_ok AND theme_ok AND method_ok AND city_ok AND effort_ok GROUP BY 2
UNION ALL
SELECT 'method', value, count(*) FROM base b CROSS JOIN LATERAL unnest(b.methods) AS value
  WHERE dimension_ok AND theme_ok AND audience_ok AND city_ok AND effort_ok GROUP BY 2
UNION ALL
SELECT 'city', c.slug, count(DISTINCT b.id) FROM base b
  JOIN toolkit_casestudy_tools ct ON ct.tool_id = b.id
  JOIN toolkit_casestudy cs ON cs.id = ct.casestudy_id AND cs.status = 'published'
  JOIN cities_city c ON c.id = cs.city_id
  WHERE dimension_ok AND theme_ok AND audience_ok AND method_ok AND effort_ok GROUP BY 2
UNION ALL
SELECT 'effort', effort_level, count(*) FROM base
  WHERE dimension_ok AND theme_ok AND audience_ok AND method_ok AND city_ok GROUP BY 2
"""


def facet_counts(*, query: ToolQuery, language: str) -> dict[str, dict[str, int]]:
    """For each facet, how many tools each value would give with the other choices kept."""
    language = language if language in SEARCH_CONFIGS else "en"
    params = {name: list(getattr(query, name)) for name in FACETS}
    search = ""
    if query.q:
        search = f"AND t.search_{language} @@ websearch_to_tsquery(%(config)s::regconfig, %(q)s)"
        params.update(config=SEARCH_CONFIGS[language], q=query.q)
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    with connection.cursor() as cursor:
        cursor.execute(_FACET_COUNTS_SQL.replace("{search}", search), params)
        for facet, value, count in cursor.fetchall():
            counts[facet][value] = count
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
