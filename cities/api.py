"""Read API for cities and districts (GeoJSON)."""

import django_filters
from rest_framework import serializers, viewsets
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from cities.models import City, Dataset, District
from cities.pagination import GeoJSONCursorPagination
from cities.selectors import city_list, district_list


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


class DistrictFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city__slug", label="City identifier")

    class Meta:
        model = District
        fields = ["city"]


class DistrictViewSet(viewsets.ReadOnlyModelViewSet):
    """Municipalities, boroughs and districts, as GeoJSON features."""

    serializer_class = DistrictSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    pagination_class = GeoJSONCursorPagination
    filterset_class = DistrictFilter

    def get_queryset(self):
        return district_list()
