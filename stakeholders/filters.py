"""The directory's filters, shared by the page, its map and the API."""

from decimal import Decimal

import django_filters
from django import forms
from django.contrib.gis.geos import Point
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from cities.models import City, MaterialCategory, Sector
from stakeholders.models import Process, Workspace
from stakeholders.selectors import KnnDistance, PlanarKnnDistance

MAX_KM = 200
# A near search lists at most this many workspaces, the nearest.
NEAR_LIMIT = 1000
DEFAULT_KM = 10


class NearField(forms.CharField):
    """'latitude,longitude' in degrees, as people copy them from a map."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            lat, lon = (float(part) for part in value.split(","))
        except ValueError:
            raise forms.ValidationError(
                _("Give the point as latitude,longitude, e.g. 50.85,4.35.")
            ) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise forms.ValidationError(_("Latitude or longitude out of range."))
        return Point(lon, lat, srid=4326)


class NearOrderError(ValueError):
    """`near` of the API is not a longitude,latitude pair; str() says so."""


# How far from every city (in degrees, some 350 to 550 km in Europe) a point may be before
# its numbers are read the other way round.
LEGACY_ORDER_DEGREES = 5


def api_near(value: str) -> tuple[Point, bool]:
    """The API's `near`: `longitude,latitude`, the order of `bbox` and GeoJSON.

    Until the next release the first order, `latitude,longitude`, still works: a pair that
    cannot be longitude,latitude, or that as such lies far from every city while it lies
    near one read the other way, is read as latitude,longitude. The second value says so
    (the answer then carries a Deprecation header).
    """
    try:
        a, b = (float(part) for part in value.split(","))
    except ValueError:
        raise NearOrderError(_("Give the point as longitude,latitude, e.g. 4.35,50.85.")) from None
    as_lonlat = -180 <= a <= 180 and -90 <= b <= 90
    as_latlon = -90 <= a <= 90 and -180 <= b <= 180
    if not (as_lonlat or as_latlon):
        raise NearOrderError(_("Longitude or latitude out of range."))
    point, swapped = Point(a, b, srid=4326), Point(b, a, srid=4326)
    if not as_lonlat:
        return swapped, True
    if as_latlon and not _near_a_city(point) and _near_a_city(swapped):
        return swapped, True
    return point, False


def _near_a_city(point: Point) -> bool:
    return City.objects.filter(outline__dwithin=(point, LEGACY_ORDER_DEGREES)).exists()


class NearFilter(django_filters.Filter):
    field_class = NearField

    def filter(self, qs, value):
        return qs  # applied with `km` in WorkspaceFilter.filter_queryset


class WorkspaceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text", max_length=200)
    city = django_filters.ModelChoiceFilter(
        label=_("City"), queryset=City.objects.all(), to_field_name="slug", empty_label=_("All")
    )
    sector = django_filters.ModelChoiceFilter(
        label=_("Sector"),
        queryset=Sector.objects.all(),
        to_field_name="code",
        field_name="sectors",
        method="filter_sector",
        empty_label=_("All"),
    )
    process = django_filters.ModelChoiceFilter(
        label=_("Process"),
        queryset=Process.objects.all(),
        to_field_name="code",
        method="filter_process",
        empty_label=_("All"),
    )
    material = django_filters.ModelChoiceFilter(
        label=_("Material"),
        queryset=MaterialCategory.objects.all(),
        to_field_name="code",
        method="filter_material",
        empty_label=_("All"),
    )
    material_role = django_filters.ChoiceFilter(
        label=_("Material is"),
        choices=[("used", _("used")), ("offered", _("offered"))],
        method="filter_noop",
        empty_label=_("used or offered"),
    )
    run = django_filters.ChoiceFilter(
        label=_("Production runs"),
        choices=Workspace.RunSize.choices,
        method="filter_run",
        empty_label=_("Any"),
    )
    collaboration = django_filters.BooleanFilter(
        label=_("Open to collaboration"),
        field_name="open_to_collaboration",
        widget=forms.CheckboxInput,
        method="filter_true",
    )
    space = django_filters.BooleanFilter(
        label=_("Looking for space"),
        field_name="looking_for_space",
        widget=forms.CheckboxInput,
        method="filter_true",
    )
    near = NearFilter(
        label=_("Near (latitude,longitude)"),
        widget=forms.TextInput(attrs={"placeholder": "50.85,4.35", "inputmode": "decimal"}),
    )
    km = django_filters.NumberFilter(
        label=_("Within (km)"),
        min_value=Decimal("0.1"),  # a float 0.1 is more than the decimal 0.1 typed
        max_value=MAX_KM,
        method="filter_noop",
        widget=forms.NumberInput(attrs={"placeholder": str(DEFAULT_KM), "step": "any"}),
    )

    class Meta:
        model = Workspace
        fields: list[str] = []

    def filter_noop(self, qs, name, value):
        return qs

    def filter_true(self, qs, name, value):
        return qs.filter(**{name: True}) if value else qs

    def filter_text(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        query = SearchQuery(value, search_type="websearch", config="simple")
        return qs.filter(search=query).annotate(rank=SearchRank(F("search"), query))

    # Many-to-many filters are EXISTS subqueries: no joins, so no repeated rows.
    def filter_sector(self, qs, name, value):
        through = Workspace.sectors.through.objects
        return qs.filter(Exists(through.filter(workspace=OuterRef("pk"), sector=value)))

    def filter_process(self, qs, name, value):
        through = Workspace.processes.through.objects
        return qs.filter(Exists(through.filter(workspace=OuterRef("pk"), process=value)))

    def filter_material(self, qs, name, value):
        role = self.form.cleaned_data.get("material_role")
        used = Workspace.materials_used.through.objects.filter(
            workspace=OuterRef("pk"), materialcategory=value
        )
        offered = Workspace.materials_offered.through.objects.filter(
            workspace=OuterRef("pk"), materialcategory=value
        )
        if role == "used":
            return qs.filter(Exists(used))
        if role == "offered":
            return qs.filter(Exists(offered))
        return qs.filter(Exists(used) | Exists(offered))

    def filter_run(self, qs, name, value):
        return qs.filter(production_runs__contains=[value])

    def filter_queryset(self, queryset) -> QuerySet:
        qs = super().filter_queryset(queryset)
        point = self.form.cleaned_data.get("near")
        if point is not None:
            km = self.form.cleaned_data.get("km") or DEFAULT_KM
            # The NEAR_LIMIT nearest by a KNN walk of a GiST index (`<->`, a few
            # milliseconds), then those within the radius, in metres on the sphere.
            # Filtering on the radius first would fetch and sort every workspace in
            # it: 40 ms when 20,000 are within 5 km.
            nearest = qs.order_by(PlanarKnnDistance(point)).values("pk")[:NEAR_LIMIT]
            # From the FilterSet's own queryset, to keep its joins and prefetches.
            return (
                self.queryset.filter(pk__in=nearest)
                .annotate(distance_m=KnnDistance(point))
                .filter(distance_m__lte=km * 1000)
                .order_by("distance_m", "pk")
            )
        if self.form.cleaned_data.get("q"):
            return qs.order_by("-rank", "name", "pk")
        return qs.order_by("name", "pk")

    @property
    def near_point(self) -> Point | None:
        return self.form.cleaned_data.get("near") if self.is_valid() else None
