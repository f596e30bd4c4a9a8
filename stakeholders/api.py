"""The workspace API: the public directory as GeoJSON, and a signed-in maker's own workspaces.

Writes go through the same services (and so the same moderation) as the pages.
"""

from django.contrib.gis.gdal import GDALException, SRSException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from cities.models import City, MaterialCategory, Sector
from cities.pagination import GeoJSONCursorPagination, page_provenance, strict_limit
from portal.deprecation import deprecated
from stakeholders import selectors
from stakeholders.filters import NearOrderError, WorkspaceFilter, api_near
from stakeholders.models import Machine, Process, Workspace, WorkspaceChange
from stakeholders.services import (
    EDITABLE_FIELDS,
    workspace_register,
    workspace_update,
)

CODES = {"many": True, "read_only": True, "slug_field": "code"}
DIRECTORY_PARAMETERS = [
    OpenApiParameter("q", str, description="Full-text search in names and descriptions."),
    OpenApiParameter("city", str, description="City identifier, e.g. `brussels`."),
    OpenApiParameter("sector", int, description="NACE division, 10–33."),
    OpenApiParameter("process", str, description="Process code, e.g. `welding`."),
    OpenApiParameter("material", str, description="Material category code, e.g. `wood`."),
    OpenApiParameter("material_role", str, enum=["used", "offered"]),
    OpenApiParameter("run", str, enum=Workspace.RunSize.values),
    OpenApiParameter("collaboration", bool),
    OpenApiParameter("space", bool, description="Looking for space."),
    OpenApiParameter(
        "near",
        str,
        description="`longitude,latitude` (like `bbox`), e.g. `4.35,50.85`: nearest first, "
        "within `km`. Until the next release a `latitude,longitude` pair is still understood "
        "where it cannot be longitude,latitude or lies far from every city that way; such an "
        "answer carries a `Deprecation` header.",
        pattern=r"^(-?[0-9.]+,-?[0-9.]+)?$",
    ),
    OpenApiParameter("km", float, description="Radius for `near`, 0.1–200 (default 10)."),
    OpenApiParameter("limit", int, description="Features per page (at most 1000)."),
]


class WorkspaceFeatureSerializer(GeoFeatureModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sectors = serializers.SlugRelatedField(**CODES)
    processes = serializers.SlugRelatedField(**CODES)
    machines = serializers.SlugRelatedField(**CODES)
    materials_used = serializers.SlugRelatedField(**CODES)
    materials_offered = serializers.SlugRelatedField(**CODES)
    location = GeometryField(precision=6)
    stale = serializers.BooleanField(source="is_stale", read_only=True)
    quality = serializers.CharField(source="dataset.quality", read_only=True)
    contact = serializers.SerializerMethodField()
    distance_m = serializers.SerializerMethodField()

    class Meta:
        model = Workspace
        geo_field = "location"
        id_field = "slug"
        fields = [
            "slug",
            "name",
            "description",
            "city",
            "address",
            "sectors",
            "processes",
            "machines",
            "materials_used",
            "materials_offered",
            "materials_note",
            "floor_area_m2",
            "employees",
            "tenure",
            "production_runs",
            "minimum_order",
            "lead_time_days",
            "works_with",
            "open_to_collaboration",
            "looking_for_space",
            "last_confirmed_at",
            "stale",
            "quality",
            "contact",
            "distance_m",
        ]

    def get_contact(self, workspace: Workspace) -> dict | None:
        """Only when the maker agreed to show it (or the reader may edit the workspace)."""
        if not (workspace.contact_public or self.context.get("owner_view")):
            return None
        return {"website": workspace.website, "email": workspace.email, "phone": workspace.phone}

    def get_distance_m(self, workspace: Workspace) -> float | None:
        distance = getattr(workspace, "distance_m", None)
        return round(distance, 1) if distance is not None else None


class OwnWorkspaceSerializer(WorkspaceFeatureSerializer):
    status = serializers.CharField(read_only=True)
    pending_changes = serializers.SerializerMethodField()

    class Meta(WorkspaceFeatureSerializer.Meta):
        fields = [*WorkspaceFeatureSerializer.Meta.fields, "status", "contact_public",
                  "pending_changes"]  # fmt: skip

    def get_pending_changes(self, workspace: Workspace) -> dict | None:
        changes = getattr(workspace, "pending_change_list", None)
        if changes is None:  # a workspace read without the list's prefetch
            changes = list(workspace.changes.filter(status=WorkspaceChange.Status.PENDING))
        return changes[0].changes if changes else None


@extend_schema_field(
    {
        "type": "object",
        "description": "A GeoJSON Point in WGS84.",
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {
                "type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
                "example": [4.35, 50.85],
            },
        },
        "required": ["type", "coordinates"],
    }
)  # fmt: skip
class PointInputField(GeometryField):
    """drf-gis's geometry field, described as a Point in the OpenAPI schema.

    A point given in another reference system (EWKT's `SRID=3857;`, a GeoJSON `crs`) is
    transformed to WGS 84; one that cannot be is refused with a message, never relabelled.
    """

    def to_internal_value(self, value):
        try:
            point = super().to_internal_value(value)
            if isinstance(point, GEOSGeometry) and point.srid not in (None, 4326):
                point = point.transform(4326, clone=True)
        except ValidationError:
            raise
        # SuspiciousOperation: a GeoJSON `crs` pointing to a URL (Django refuses to fetch it).
        except (
            GDALException,
            GEOSException,
            SRSException,
            SuspiciousOperation,
            ValueError,
            TypeError,
        ):
            raise ValidationError(
                "Give the point as GeoJSON in WGS 84 (longitude, latitude), or as EWKT with"
                " an EPSG code the portal knows."
            ) from None
        return point


def _codes(model, field: str = "code"):
    return serializers.SlugRelatedField(
        slug_field=field, queryset=model.objects.all(), many=True, required=False
    )


class WorkspaceInputSerializer(serializers.Serializer):
    """What a maker may set: the registration form's fields, nothing else."""

    name = serializers.CharField(max_length=150)
    description = serializers.CharField(max_length=4000)
    city = serializers.SlugRelatedField(slug_field="slug", queryset=City.objects.all())
    address = serializers.CharField(max_length=300)
    location = PointInputField()
    sectors = _codes(Sector)
    processes = _codes(Process)
    machines = _codes(Machine)
    materials_used = _codes(MaterialCategory)
    materials_offered = _codes(MaterialCategory)
    materials_note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    floor_area_m2 = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    employees = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    tenure = serializers.ChoiceField(Workspace.Tenure.choices, required=False, allow_blank=True)
    production_runs = serializers.ListField(
        child=serializers.ChoiceField(Workspace.RunSize.choices), required=False
    )
    minimum_order = serializers.CharField(max_length=100, required=False, allow_blank=True)
    lead_time_days = serializers.IntegerField(
        min_value=0, max_value=32767, required=False, allow_null=True
    )
    works_with = serializers.ListField(
        child=serializers.ChoiceField(Workspace.Audience.choices), required=False
    )
    open_to_collaboration = serializers.BooleanField(required=False)
    looking_for_space = serializers.BooleanField(required=False)
    website = serializers.URLField(required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    contact_public = serializers.BooleanField(required=False)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            # Owner, status, slug... are not the maker's to set: say so rather than ignore it.
            raise ValidationError({name: ["This field cannot be set."] for name in unknown})
        return super().to_internal_value(data)

    def validate_location(self, value):
        if value.geom_type != "Point" or value.empty:
            raise ValidationError("Give a GeoJSON Point.")
        if value.hasz:
            raise ValidationError("Give two coordinates: longitude and latitude.")
        if not (-180 <= value.x <= 180 and -90 <= value.y <= 90):
            raise ValidationError("Longitude or latitude out of range.")
        value.srid = 4326  # WGS 84 given, or transformed to it (PointInputField)
        return value


def _service_errors(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"non_field_errors": exc.messages})


class WorkspaceViewSet(viewsets.ReadOnlyModelViewSet):
    """Published workspaces of the maker directory, as GeoJSON.

    Without `near` or `q`, pages go by id: follow the `next` link. With `near`
    the features come nearest first, with `q` best match first: one page of
    `limit` features.
    """

    serializer_class = WorkspaceFeatureSerializer
    pagination_class = GeoJSONCursorPagination
    filter_backends = []
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]{1,120}"

    def get_queryset(self):
        return selectors.workspace_cards(selectors.workspaces_listed()).prefetch_related(
            "machines", "materials_used", "materials_offered"
        )

    @extend_schema(
        parameters=DIRECTORY_PARAMETERS,
        responses={(200, "application/geo+json"): WorkspaceFeatureSerializer(many=True)},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        query, legacy_order = _directory_query(request)
        filters = WorkspaceFilter(query, queryset=self.get_queryset())
        if not filters.is_valid():
            raise ValidationError(filters.errors)
        queryset = filters.qs
        if filters.form.cleaned_data.get("near") is None and not filters.form.cleaned_data.get("q"):
            page = self.paginate_queryset(queryset.order_by("pk"))
            response = self.get_paginated_response(self.get_serializer(page, many=True).data)
            response.content_type = "application/geo+json"
            return response
        limit = strict_limit(request, "limit", 100, 1000)
        rows = list(queryset[:limit])
        data = self.get_serializer(rows, many=True).data
        response = Response(
            {**data, "numberReturned": len(data["features"]), "links": [],
             **page_provenance(rows)},
            content_type="application/geo+json",
        )  # fmt: skip
        if legacy_order:
            deprecated(response, request, "near=latitude,longitude")
        return response

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="Nearby published workspaces that could supply, take or complement this "
        "one, nearest first, each with its reasons.",
    )
    @action(detail=True)
    def matches(self, request: Request, slug: str) -> Response:
        workspace = get_object_or_404(selectors.workspaces_listed(), slug=slug)
        return Response(
            [
                {
                    "slug": m.workspace.slug,
                    "name": m.workspace.name,
                    "distance_m": round(m.distance_m, 1),
                    "reasons": m.reasons,
                }
                for m in selectors.workspace_matches(workspace)
            ]
        )


def _directory_query(request: Request):
    """The API's query in the directory's terms: its `near` is longitude,latitude, the
    directory's form (shared with the HTML page) reads latitude,longitude."""
    query = request.query_params
    wrong = {
        name: [_("Give true or false.")]
        for name in ("collaboration", "space")
        if name in query and query[name].lower() not in ("true", "false", "1", "0")
    }
    if wrong:
        raise ValidationError(wrong)
    near = query.get("near", "").strip()
    if not near:
        return query, False
    try:
        point, legacy_order = api_near(near)
    except NearOrderError as exc:
        raise ValidationError({"near": [str(exc)]}) from None
    query = query.copy()
    query["near"] = f"{point.y},{point.x}"
    return query, legacy_order


class OwnWorkspaceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in maker's workspaces, in every status. Creating one sends it for review;
    editing a published one holds changes to its name, description, place and contact
    details for a moderator, as on the site."""

    serializer_class = OwnWorkspaceSerializer
    permission_classes = [permissions.IsAuthenticated, *api_settings.DEFAULT_PERMISSION_CLASSES]
    token_access = False  # a person's own workspaces: signed in, not through a partner token
    pagination_class = None
    filter_backends = []
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]{1,120}"

    def get_queryset(self):
        pending = WorkspaceChange.objects.filter(status=WorkspaceChange.Status.PENDING)
        return (
            selectors.workspaces_managed_by(self.request.user)
            .select_related("city", "dataset")
            .prefetch_related(
                "sectors",
                "processes",
                "machines",
                "materials_used",
                "materials_offered",
                Prefetch("changes", queryset=pending, to_attr="pending_change_list"),
            )
            .order_by("pk")
        )

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "owner_view": True}

    def _output(self, slug: str, status_code: int) -> Response:
        workspace = self.get_queryset().get(slug=slug)
        return Response(self.get_serializer(workspace).data, status=status_code)

    @extend_schema(request=WorkspaceInputSerializer, responses={201: OwnWorkspaceSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = WorkspaceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            workspace = workspace_register(owner=request.user, data=data.validated_data)
        except DjangoValidationError as exc:
            raise _service_errors(exc) from None
        return self._output(workspace.slug, status.HTTP_201_CREATED)

    @extend_schema(request=WorkspaceInputSerializer, responses={200: OwnWorkspaceSerializer})
    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        workspace = self.get_object()
        data = WorkspaceInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k in EDITABLE_FIELDS}
        try:
            workspace_update(workspace=workspace, by=request.user, data=values)
        except DjangoPermissionDenied:
            raise PermissionDenied from None
        except DjangoValidationError as exc:
            raise _service_errors(exc) from None
        return self._output(workspace.slug, status.HTTP_200_OK)

    def get_object(self) -> Workspace:
        workspace = self.get_queryset().filter(slug=self.kwargs["slug"]).first()
        if workspace is None:
            raise NotFound
        return workspace
