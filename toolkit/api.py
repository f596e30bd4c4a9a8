"""Read API for the toolkit: tools (with the pages' search and facets), themes, case
studies (also as GeoJSON), implementation plans with their actions, and events."""

from django.db.models import Prefetch
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from cities.pagination import limit_parameters, list_page_schema, page_links, strict_limit
from portal.api_fields import AbsoluteURLField
from toolkit import selectors
from toolkit.models import (
    Action,
    CaseStudy,
    EngagementEvent,
    ImplementationPlan,
    Status,
    Theme,
    Tool,
)


class ToolPagination(PageNumberPagination):
    """Pages of a ranked search (relevance or a chosen sort, so pages by number, not by key),
    answered in the API's one style: `results`, `numberReturned`, `numberMatched` and `links`.
    """

    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def get_page_size(self, request) -> int:
        return strict_limit(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return limit_parameters(super().get_schema_operation_parameters(view), self)

    def get_paginated_response(self, data) -> Response:
        links = page_links(self, "application/json")
        return Response(
            {
                "results": data,
                "numberReturned": len(data),
                "numberMatched": self.page.paginator.count,
                "links": links,
                # The first paging style, kept for one release: follow `links` instead.
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return list_page_schema(
            schema,
            numberMatched={"type": "integer"},
            count={"type": "integer", "deprecated": True},
        )


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["slug", "name", "description"]


class ToolSerializer(serializers.ModelSerializer):
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    url = AbsoluteURLField(source="get_absolute_url")

    class Meta:
        model = Tool
        fields = [
            "slug", "title", "summary", "dimension", "themes", "audiences", "methods",
            "effort_level", "published_at", "updated_at", "url",
        ]  # fmt: skip


class ToolDetailSerializer(ToolSerializer):
    related = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    case_studies = serializers.SerializerMethodField()

    class Meta(ToolSerializer.Meta):
        fields = [
            *ToolSerializer.Meta.fields, "context", "problem", "forces", "solution", "steps",
            "resources", "effort_time", "effort_cost", "effort_skills", "effort_data", "related",
            "case_studies",
        ]  # fmt: skip

    def get_case_studies(self, tool: Tool) -> list[str]:
        return [c.slug for c in tool.case_studies.all() if c.status == Status.PUBLISHED]


FACET_PARAMETERS = [
    OpenApiParameter("q", str, description="Words to search for, in the asked language."),
    *(
        OpenApiParameter(
            name,
            str,
            many=True,
            description=f"Filter by {name} (repeatable).",
            enum=sorted(selectors.FACET_VALUES[name]) if name in selectors.FACET_VALUES else None,
        )
        for name in selectors.FACETS
    ),
    OpenApiParameter("sort", str, enum=list(selectors.SORTS)),
]


def _check_tool_query(query) -> None:
    """The API refuses what the toolkit page quietly drops (a stale link there still works)."""
    errors = {}
    for name, allowed in selectors.FACET_VALUES.items():
        wrong = [v for v in query.getlist(name) if v not in allowed]
        if wrong:
            errors[name] = [f"Not one of: {', '.join(sorted(allowed))}."]
    if "sort" in query and query["sort"] not in selectors.SORTS:
        errors["sort"] = [f"Not one of: {', '.join(selectors.SORTS)}."]
    if errors:
        raise ValidationError(errors)


class ToolViewSet(viewsets.ReadOnlyModelViewSet):
    """Published tools: the toolkit page's search, facets and sort orders."""

    lookup_field = "slug"
    filter_backends = []
    pagination_class = ToolPagination

    def get_queryset(self):
        if self.action == "list":
            query = selectors.ToolQuery.from_query(self.request.query_params)
            return selectors.tool_search(query=query, language=get_language())
        return selectors.published_tools().prefetch_related(
            "themes",
            selectors.published_tools_prefetch("related"),
            Prefetch("case_studies", queryset=CaseStudy.objects.only("slug", "status")),
        )

    def get_serializer_class(self):
        return ToolSerializer if self.action == "list" else ToolDetailSerializer

    @extend_schema(parameters=FACET_PARAMETERS)
    def list(self, request: Request, *args, **kwargs) -> Response:
        _check_tool_query(request.query_params)
        return super().list(request, *args, **kwargs)


class ThemeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ThemeSerializer
    queryset = Theme.objects.order_by("slug")
    lookup_field = "slug"
    pagination_class = None
    filter_backends = []


class CaseStudySerializer(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tools = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    sectors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    longitude = serializers.FloatField(source="location.x", read_only=True)
    latitude = serializers.FloatField(source="location.y", read_only=True)
    url = AbsoluteURLField(source="get_absolute_url")

    class Meta:
        model = CaseStudy
        fields = [
            "slug", "title", "summary", "city", "district_name", "longitude", "latitude",
            "start_year", "end_year", "sectors", "tools", "outcomes", "illustrative", "url",
        ]  # fmt: skip


class CaseStudyFeatureSerializer(GeoFeatureModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tools = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = CaseStudy
        geo_field = "location"
        id_field = "slug"
        fields = [
            "slug",
            "title",
            "summary",
            "city",
            "start_year",
            "end_year",
            "tools",
            "illustrative",
        ]


class CaseStudyViewSet(viewsets.ReadOnlyModelViewSet):
    """Published case studies; filter by city, sector (NACE division) and tool."""

    serializer_class = CaseStudySerializer
    lookup_field = "slug"
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        qs = (
            CaseStudy.objects.filter(status=Status.PUBLISHED)
            .select_related("city")
            .prefetch_related(selectors.published_tools_prefetch(), "sectors")
            .order_by("city__slug", "slug")
        )
        params = self.request.query_params
        if params.get("city"):
            qs = qs.filter(city__slug=params["city"])
        if params.get("sector"):
            sector = params["sector"]
            if not (sector.isdecimal() and 10 <= int(sector) <= 33):
                raise ValidationError({"sector": ["A NACE division, 10 to 33."]})
            qs = qs.filter(sectors__code=int(sector))
        if params.get("tool"):
            qs = qs.filter(tools__slug=params["tool"])
        return qs.distinct()

    @extend_schema(
        parameters=[
            OpenApiParameter("city", str),
            OpenApiParameter("sector", int, description="A NACE division, 10 to 33."),
            OpenApiParameter("tool", str),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={(200, "application/geo+json"): OpenApiTypes.OBJECT})
    @action(detail=False, url_path="geojson")
    def geojson(self, request: Request) -> Response:
        """The same case studies as a GeoJSON FeatureCollection."""
        data = CaseStudyFeatureSerializer(self.get_queryset(), many=True).data
        return Response(data, content_type="application/geo+json")


class ActionSerializer(serializers.ModelSerializer):
    tools = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Action
        fields = [
            "order", "title", "description", "lead", "tools", "start", "end", "state", "progress",
            "indicator", "target",
        ]  # fmt: skip


class PlanSerializer(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    actions = ActionSerializer(many=True, read_only=True)

    class Meta:
        model = ImplementationPlan
        fields = ["city", "title", "vision", "goals", "updated_at", "actions"]


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """One implementation plan per city, with its actions."""

    serializer_class = PlanSerializer
    lookup_field = "city__slug"
    lookup_url_kwarg = "city"
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        actions = Action.objects.order_by("order").prefetch_related(
            selectors.published_tools_prefetch()
        )
        return (
            ImplementationPlan.objects.filter(status=Status.PUBLISHED)
            .select_related("city")
            .prefetch_related(Prefetch("actions", queryset=actions))
            .order_by("city__slug")
        )


class EventSerializer(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tools = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = EngagementEvent
        fields = ["city", "kind", "date", "title", "participants", "summary", "outcomes", "tools"]


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """Engagement events, newest first; filter by city."""

    serializer_class = EventSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        qs = (
            EngagementEvent.objects.filter(status=Status.PUBLISHED)
            .select_related("city")
            .prefetch_related(selectors.published_tools_prefetch())
            .order_by("-date")
        )
        if self.request.query_params.get("city"):
            qs = qs.filter(city__slug=self.request.query_params["city"])
        return qs

    @extend_schema(parameters=[OpenApiParameter("city", str)])
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)
