"""The analyses in the partner API: /api/v1/analyses/ — ask for a run, follow it, read it."""

from django.http import Http404, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.response import Response

from cities.analyses import services
from cities.analyses.base import analysis_kinds, get_kind
from cities.analyses.results import geojson_chunks
from cities.api import unknown_city
from cities.models import Analysis, City, Job
from cities.pagination import NewestFirstPagination


class AnalysisRequestSerializer(serializers.Serializer):
    city = serializers.SlugRelatedField(slug_field="slug", queryset=City.objects.all())
    kind = serializers.ChoiceField(choices=[(k.slug, str(k.title)) for k in analysis_kinds()])
    parameters = serializers.DictField(
        required=False,
        default=dict,
        help_text="The kind's parameters, as on its form (for example year_from and year_to "
        "for land-change; cell_size, measure, sectors and year for density).",
    )


class AnalysisSerializer(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    parameters = serializers.JSONField(source="params", read_only=True)
    status = serializers.CharField(source="job.status", read_only=True)
    progress = serializers.IntegerField(source="job.progress", read_only=True)
    message = serializers.CharField(source="job.message", read_only=True)
    page = serializers.SerializerMethodField()
    geojson = serializers.SerializerMethodField()
    csv = serializers.SerializerMethodField()

    class Meta:
        model = Analysis
        fields = [
            "id", "kind", "city", "parameters", "status", "progress", "message",
            "created_at", "published_at", "data_versions", "feature_count", "duration_ms",
            "summary", "page", "geojson", "csv",
        ]  # fmt: skip

    def _url(self, obj: Analysis, path: str) -> str | None:
        request = self.context.get("request")
        url = f"/api/v1/analyses/{obj.pk}/{path}"
        return request.build_absolute_uri(url) if request else url

    def get_page(self, obj: Analysis) -> str:
        request = self.context.get("request")
        url = obj.get_absolute_url()
        return request.build_absolute_uri(url) if request else url

    def get_geojson(self, obj: Analysis) -> str | None:
        return self._url(obj, "geojson/") if obj.job.status == Job.Status.SUCCEEDED else None

    def get_csv(self, obj: Analysis) -> dict[str, str]:
        kind = get_kind(obj.kind)
        if kind is None or obj.job.status != Job.Status.SUCCEEDED:
            return {}
        tables = ["totals", *(t.key for t in kind.tables)]
        return {name: self._url(obj, f"csv/?table={name}") for name in tables}


class AnalysisViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Map analyses. Everyone reads the published ones; officials of a city and project
    staff read that city's unpublished ones too, and ask for runs. A run with the same
    parameters on the same data answers with the existing result (200) instead of a new
    job (201); a person may have two runs going at once (429 past that)."""

    serializer_class = AnalysisSerializer
    # The defaults: reads for everyone, writes signed in; partner tokens only read.
    filter_backends = []
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        qs = services.visible_analyses(self.request.user).select_related("city", "job")
        params = self.request.query_params
        if self.action == "list":
            if params.get("city") and not City.objects.filter(slug=params["city"]).exists():
                raise ValidationError({"city": [unknown_city(params["city"])]})
            if params.get("kind") and get_kind(params["kind"]) is None:
                raise ValidationError({"kind": ["No analysis is called so."]})
        for name, field in (("city", "city__slug"), ("kind", "kind")):
            if params.get(name):
                qs = qs.filter(**{field: params[name]})
        return qs.defer("city__outline")

    @extend_schema(
        parameters=[
            OpenApiParameter("city", str, description="A city's slug"),
            OpenApiParameter("kind", str, description="An analysis kind"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=AnalysisRequestSerializer,
        responses={200: AnalysisSerializer, 201: AnalysisSerializer},
    )
    def create(self, request, *args, **kwargs):
        incoming = AnalysisRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        city, kind = incoming.validated_data["city"], get_kind(incoming.validated_data["kind"])
        if not services.can_run(request.user, city):
            raise PermissionDenied(_("Only officials of this city and project staff may run "
                                     "analyses on it."))  # fmt: skip
        form = kind.form(data=incoming.validated_data["parameters"], city=city)
        if not form.is_valid():
            raise ValidationError({"parameters": form.errors.get_json_data()})
        try:
            requested = services.analysis_request(
                user=request.user, city=city, kind=kind, params=form.params()
            )
        except services.AnalysisRefused as exc:
            raise Throttled(detail=str(exc)) from exc
        analysis = (
            Analysis.objects.select_related("city", "job")
            .defer("city__outline")
            .get(pk=requested.analysis.pk)
        )
        data = self.get_serializer(analysis).data
        code = status.HTTP_200_OK if requested.reused else status.HTTP_201_CREATED
        return Response(data, status=code, headers={"Location": data["page"]})

    def _finished(self) -> Analysis:
        analysis = self.get_object()
        if analysis.job.status != Job.Status.SUCCEEDED:
            raise Http404(_("This analysis has no result yet."))
        return analysis

    @extend_schema(
        parameters=[OpenApiParameter("layer", str, description="One of the result's layers")],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"])
    def geojson(self, request, pk=None):
        """The result's features as one GeoJSON FeatureCollection (every layer, or one)."""
        analysis = self._finished()
        kind = get_kind(analysis.kind)
        layer = request.query_params.get("layer") or None
        if layer is not None and kind.layer(layer) is None:
            raise ValidationError({"layer": _("This result has no layer %(l)s.") % {"l": layer}})
        return StreamingHttpResponse(
            geojson_chunks(analysis, kind, layer), content_type="application/geo+json"
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("table", str, description="totals, or one of the kind's tables")
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"])
    def csv(self, request, pk=None):
        """One of the result's tables as CSV (totals by default)."""
        from cities.analysis_views import table_csv

        analysis = self._finished()
        table = request.query_params.get("table") or "totals"
        body = table_csv(analysis, table)
        if body is None:
            raise ValidationError({"table": _("This result has no table %(t)s.") % {"t": table}})
        response = StreamingHttpResponse([body], content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            True, f"{analysis.city.slug}-{analysis.kind}-{analysis.pk}-{table}.csv"
        )
        return response
