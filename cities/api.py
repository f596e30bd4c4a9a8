"""Read API for the spatial base: cities, districts, sectors, sites, land, statistics, flows."""

import json

import django_filters
from django import forms
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from cities.bbox import BBoxError, parse_bbox
from cities.gis_io.exports import download_links
from cities.layers import provenance
from cities.models import (
    City,
    Dataset,
    District,
    Indicator,
    LandZone,
    MaterialCategory,
    MaterialFlow,
    Sector,
    Site,
)
from cities.pagination import GeoJSONCursorPagination, KeysetPagination
from cities.selectors import city_list, district_list, site_page
from cities.visibility import readable_datasets, visible


class DatasetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dataset
        fields = ["slug", "name", "publisher", "licence", "source", "quality"]


class CitySerializer(GeoFeatureModelSerializer):
    dataset = DatasetSerializer(read_only=True)
    district_count = serializers.IntegerField(read_only=True)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:city-detail", lookup_field="slug", read_only=True
    )

    class Meta:
        model = City
        geo_field = "outline"
        id_field = "slug"
        fields = [
            "url", "slug", "name", "short_name", "country", "summary", "area_km2",
            "district_count", "dataset",
        ]  # fmt: skip


class DistrictSerializer(GeoFeatureModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    dataset = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = District
        geo_field = "geom"
        fields = ["id", "city", "slug", "name", "local_names", "area_km2", "dataset"]


class CityViewSet(viewsets.ReadOnlyModelViewSet):
    """The partner cities, each with its outline and provenance."""

    serializer_class = CitySerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-z0-9]+"
    pagination_class = GeoJSONCursorPagination
    filter_backends = []

    def get_queryset(self):
        return city_list().defer(None)


def unknown_city(value: str) -> str:
    return f"No city is called “{value}”: /api/v1/cities/ lists their identifiers."


class KnownCityFilter(django_filters.CharFilter):
    """A city by its identifier; an unknown one is a 400 saying so, not an empty page."""

    def __init__(self, **kwargs) -> None:
        super().__init__(field_name="city__slug", label="City identifier", **kwargs)

    def filter(self, qs, value):
        if value and not City.objects.filter(slug=value).exists():
            raise ValidationError({"city": [unknown_city(value)]})
        return super().filter(qs, value)


class DistrictFilter(django_filters.FilterSet):
    city = KnownCityFilter()

    class Meta:
        model = District
        fields = ["city"]


class DistrictViewSet(viewsets.ReadOnlyModelViewSet):
    """Municipalities, boroughs and districts, as GeoJSON features."""

    serializer_class = DistrictSerializer
    export_layer = "districts"
    lookup_value_regex = r"[0-9]{1,18}"
    pagination_class = GeoJSONCursorPagination
    filterset_class = DistrictFilter

    def get_queryset(self):
        return district_list()


# ---- Sectors -----------------------------------------------------------------------


class SectorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["code", "name"]


class SectorViewSet(viewsets.ReadOnlyModelViewSet):
    """NACE Rev.2 manufacturing divisions (10-33), named in the asked language."""

    serializer_class = SectorSerializer
    queryset = Sector.objects.order_by("code")
    pagination_class = None
    filter_backends = []


# ---- Sites: GeoJSON pages built by PostGIS ------------------------------------------


class SiteFilterSerializer(serializers.Serializer):
    city = serializers.SlugField(required=False, help_text="City identifier, e.g. brussels.")
    bbox = serializers.CharField(required=False, help_text="minLon,minLat,maxLon,maxLat (WGS84).")
    sector = serializers.CharField(
        required=False, allow_blank=True, help_text="NACE divisions, e.g. 25 or 10,25."
    )
    active_in = serializers.IntegerField(
        required=False, min_value=1800, max_value=2100, help_text="Only sites open in this year."
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)
    after = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        default=0,
        help_text="Keyset cursor: the last id seen.",
    )

    def validate_city(self, value: str) -> int:
        """The city's id (the page filters by it), or a 400 naming the unknown city."""
        city_id = City.objects.filter(slug=value).values_list("pk", flat=True).first()
        if city_id is None:
            raise serializers.ValidationError(unknown_city(value))
        return city_id

    def validate_bbox(self, value: str):
        try:
            return parse_bbox(value)
        except BBoxError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_sector(self, value: str) -> list[int] | None:
        if not value.strip():
            return None  # an empty filter, as a form sends it
        try:
            codes = sorted({int(part) for part in value.split(",") if part.strip()})
        except ValueError:
            raise serializers.ValidationError(
                "Give NACE division numbers, e.g. 25 or 10,25."
            ) from None
        if not codes or not all(10 <= code <= 33 for code in codes):
            raise serializers.ValidationError("NACE manufacturing divisions run from 10 to 33.")
        return codes


class SiteDetailSerializer(GeoFeatureModelSerializer):
    sector = SectorSerializer(read_only=True)
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    dataset = DatasetSerializer(read_only=True)

    class Meta:
        model = Site
        geo_field = "geom"
        fields = [
            "id", "external_id", "name", "city", "sector", "employees", "floor_area_m2",
            "year_opened", "year_closed", "address", "dataset",
        ]  # fmt: skip


class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    """Manufacturing sites as GeoJSON, paged by id (keyset): follow the `next` link."""

    serializer_class = SiteDetailSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = []
    pagination_class = None

    def get_queryset(self):
        queryset = Site.objects.select_related("sector", "city", "dataset")
        return visible(queryset, readable_datasets(self.request))

    @extend_schema(
        operation_id="v1_sites_list",
        parameters=[SiteFilterSerializer],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
    )
    def list(self, request: Request, *args, **kwargs) -> HttpResponse:
        filters = SiteFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        readable = readable_datasets(request)
        page = site_page(city_id=values.pop("city", None), readable=readable, **values)
        links = []
        if page.next_after is not None:
            query = request.query_params.copy()
            query["after"] = str(page.next_after)
            links.append(
                {
                    "rel": "next",
                    "type": "application/geo+json",
                    "href": request.build_absolute_uri(f"{request.path}?{query.urlencode()}"),
                }
            )
        links += download_links(request, "sites")
        datasets = Dataset.objects.filter(slug__in=page.datasets).order_by("name")
        head = {"numberReturned": page.count, "links": links, **provenance(list(datasets))}
        body = (
            '{"type": "FeatureCollection", "features": ' + page.features
            + ", " + json.dumps(head)[1:]
        )  # fmt: skip
        return HttpResponse(body, content_type="application/geo+json")


# ---- Industrial land -------------------------------------------------------------------


class LandZoneSerializer(GeoFeatureModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    dataset = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = LandZone
        geo_field = "geom"
        fields = ["id", "city", "name", "category", "protection", "reference_year", "dataset"]


class YearFilter(django_filters.NumberFilter):
    """A year: a whole number (django-filter's number would take 0.5)."""

    field_class = forms.IntegerField


class LandZoneFilter(django_filters.FilterSet):
    city = KnownCityFilter()
    year = YearFilter(field_name="reference_year", label="Reference year")
    category = django_filters.CharFilter(field_name="category__code", label="Zoning category code")

    class Meta:
        model = LandZone
        fields = ["city", "year", "category"]


class LandZoneViewSet(viewsets.ReadOnlyModelViewSet):
    """Industrial and productive land by reference year, as GeoJSON."""

    serializer_class = LandZoneSerializer
    export_layer = "zones"
    pagination_class = GeoJSONCursorPagination
    filterset_class = LandZoneFilter
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        queryset = LandZone.objects.select_related("city", "category", "dataset")
        return visible(queryset, readable_datasets(self.request))


# ---- Indicators -------------------------------------------------------------------------


class IndicatorSerializer(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    district = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    district_id = serializers.IntegerField(read_only=True, allow_null=True)
    district_name = serializers.CharField(
        source="district.name", read_only=True, default=None, allow_null=True
    )
    sector = serializers.IntegerField(source="sector_id", read_only=True, allow_null=True)
    sector_name = serializers.CharField(
        source="sector.name", read_only=True, default=None, allow_null=True
    )
    key_label = serializers.CharField(source="get_key_display", read_only=True)
    dataset = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id", "city", "district", "district_id", "district_name", "key", "key_label",
            "sector", "sector_name", "year", "value", "unit", "dataset",
        ]  # fmt: skip


class IndicatorFilter(django_filters.FilterSet):
    city = KnownCityFilter()
    district = django_filters.CharFilter(
        method="filter_district",
        label="District identifier; `all` for every district, `total` for city totals",
    )
    key = django_filters.ChoiceFilter(choices=Indicator.Key.choices)
    year = YearFilter()
    sector = django_filters.CharFilter(
        method="filter_sector", label="NACE division, or `total` for all manufacturing"
    )

    class Meta:
        model = Indicator
        fields = ["city", "district", "key", "year", "sector"]

    def filter_district(self, queryset, name, value):
        if value == "all":
            return queryset.filter(district__isnull=False)
        if value == "total":
            return queryset.filter(district__isnull=True)
        if not District.objects.filter(slug=value).exists():
            raise ValidationError(
                {"district": [f"No district is called “{value}”; `all` and `total` are "
                              "accepted too."]}
            )  # fmt: skip
        return queryset.filter(district__slug=value)

    def filter_sector(self, queryset, name, value):
        if value == "total":
            return queryset.filter(sector__isnull=True)
        try:
            code = int(value)
        except ValueError:
            code = None
        if code is None or not 10 <= code <= 33:
            raise ValidationError({"sector": "Give a NACE division (10-33) or `total`."})
        return queryset.filter(sector_id=code)


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """Statistics by district (or city total), indicator, sector and year."""

    serializer_class = IndicatorSerializer
    pagination_class = KeysetPagination
    filterset_class = IndicatorFilter
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        queryset = Indicator.objects.select_related("city", "district", "sector", "dataset")
        return visible(queryset, readable_datasets(self.request))


# ---- Material flows -------------------------------------------------------------------------


class MaterialFlowSerializer(serializers.ModelSerializer):
    city = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    material = serializers.SlugRelatedField(slug_field="code", read_only=True)
    origin_district = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    destination_district = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    material_name = serializers.CharField(source="material.name", read_only=True)
    origin_district_name = serializers.CharField(
        source="origin_district.name", read_only=True, default=None, allow_null=True
    )
    destination_district_name = serializers.CharField(
        source="destination_district.name", read_only=True, default=None, allow_null=True
    )
    dataset = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = MaterialFlow
        fields = [
            "id", "city", "year", "material", "material_name", "origin_district",
            "origin_district_name", "origin_activity", "destination_district",
            "destination_district_name", "destination_activity", "tonnes", "dataset",
        ]  # fmt: skip


class MaterialFlowFilter(django_filters.FilterSet):
    city = KnownCityFilter()
    year = YearFilter()
    material = django_filters.CharFilter(method="filter_material", label="Material code")

    class Meta:
        model = MaterialFlow
        fields = ["city", "year", "material"]

    def filter_material(self, queryset, name, value):
        if not MaterialCategory.objects.filter(code=value).exists():
            raise ValidationError({"material": [f"No material category is called “{value}”."]})
        return queryset.filter(material__code=value)


class MaterialFlowViewSet(viewsets.ReadOnlyModelViewSet):
    """Tonnes a year of each material between districts and activities."""

    serializer_class = MaterialFlowSerializer
    pagination_class = KeysetPagination
    filterset_class = MaterialFlowFilter
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        queryset = MaterialFlow.objects.select_related(
            "city", "material", "origin_district", "destination_district", "dataset"
        )
        return visible(queryset, readable_datasets(self.request))
