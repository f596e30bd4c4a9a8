"""Parameter fields the kinds share, each checked against the city's own data."""

from django import forms
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities.models import City, ContextLayer, Sector
from cities.visibility import embargo_clause

# Sites open in a year: opened by then (or undated) and not closed by then.
OPEN_IN_YEAR = (
    "(s.year_opened IS NULL OR s.year_opened <= %(year)s)"
    " AND (s.year_closed IS NULL OR s.year_closed > %(year)s)"
)
OPEN_NOW = "s.year_closed IS NULL"


def zone_years(city: City) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT reference_year FROM cities_landzone WHERE city_id = %s ORDER BY 1",
            [city.pk],
        )
        return [row[0] for row in cursor.fetchall()]


class ZoneYearsMixin:
    """Two reference years of the city's industrial land: an earlier and a later one."""

    def add_zone_years(self) -> None:
        years = zone_years(self.city)
        choices = [(y, str(y)) for y in years]
        self.fields["year_from"] = forms.TypedChoiceField(
            label=gettext_lazy("Earlier year"), choices=choices, coerce=int,
            initial=years[0] if years else None,
        )  # fmt: skip
        self.fields["year_to"] = forms.TypedChoiceField(
            label=gettext_lazy("Later year"), choices=choices, coerce=int,
            initial=years[-1] if years else None,
        )  # fmt: skip
        self.zone_years = years

    def clean_zone_years(self, cleaned: dict) -> None:
        if not self.zone_years:
            raise forms.ValidationError(
                _("%(city)s has no industrial land data yet: import land zones first.")
                % {"city": self.city.name}
            )
        start, end = cleaned.get("year_from"), cleaned.get("year_to")
        if start is not None and end is not None and start >= end:
            self.add_error("year_to", _("The later year must come after the earlier one."))


def _sector_choices() -> list[tuple[int, str]]:
    return [(s.code, f"{s.code} {s.name}") for s in Sector.objects.order_by("code")]


class SectorsField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            choices=_sector_choices,
            coerce=int,
            required=False,
            label=gettext_lazy("Sectors"),
            help_text=gettext_lazy("None chosen: all manufacturing sectors."),
            widget=forms.SelectMultiple(attrs={"size": 6}),
            **kwargs,
        )


class SiteYearField(forms.IntegerField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            min_value=1900,
            max_value=2100,
            required=False,
            label=gettext_lazy("Year"),
            help_text=gettext_lazy("The sites open in that year; empty: the sites open today."),
            **kwargs,
        )


def sites_where(params: dict) -> tuple[str, dict]:
    """The WHERE clause of the sites an analysis counts (alias s), and its parameters."""
    # A partner's data under embargo is in no analysis: a published result would show it.
    clauses = ["s.city_id = %(city)s", embargo_clause("s.dataset_id")]
    values: dict = {"readable": []}
    if params.get("year") is not None:
        clauses.append(OPEN_IN_YEAR)
        values["year"] = params["year"]
    else:
        clauses.append(OPEN_NOW)
    if params.get("sectors"):
        clauses.append("s.sector_id = ANY(%(sectors)s)")
        values["sectors"] = list(params["sectors"])
    return " AND ".join(clauses), values


def check_sites_exist(form: forms.Form, cleaned: dict) -> None:
    """A form error, not an empty map, when no site matches."""
    where, values = sites_where(cleaned)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM cities_site s WHERE {where})",  # noqa: S608
            {"city": form.city.pk, **values},
        )
        found = cursor.fetchone()[0]
    if not found:
        if cleaned.get("year") is not None:
            message = _("%(city)s has no manufacturing sites open in %(year)s for this choice.")
        else:
            message = _("%(city)s has no open manufacturing sites for this choice.")
        raise forms.ValidationError(message % {"city": form.city.name, "year": cleaned.get("year")})


def context_layer_field(city: City) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=ContextLayer.objects.filter(city=city).order_by("slug"),
        to_field_name="slug",
        label=gettext_lazy("Transport layer"),
        help_text=gettext_lazy("A context layer of the city, such as its railway stations."),
        empty_label=None,
    )
