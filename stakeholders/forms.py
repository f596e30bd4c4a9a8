import json
import math
from datetime import datetime, time, timedelta

from allauth.account.forms import LoginForm
from django import forms
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget

from cities.models import City
from portal.images import image_clean
from stakeholders.models import ApiToken, Membership, Workspace
from stakeholders.partner_data import PARTNER_QUALITIES
from stakeholders.services import MAX_PHOTOS, Decision, Photo
from stakeholders.tokens import DEFAULT_LIFETIME


class PortalLoginForm(LoginForm):
    """allauth's sign-in form with a plainer label for its first field."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Email or username")


class PinWidget(LeafletWidget):
    """django-leaflet's point widget with our own template: static/js/pin-map.js draws the
    map (no inline script, for the CSP) and writes the pin into latitude and longitude
    boxes, which people who cannot use a map fill in themselves."""

    template_name = "stakeholders/widgets/pin_map.html"
    geom_type = "POINT"
    is_pin_map = True  # includes/form_field.html draws it as a fieldset with a legend

    def __init__(self, *args, cities: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cities = cities or {}
        self.city_id = ""  # the map opens on this city when there is no pin yet

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        point = None
        if isinstance(value, str):
            try:
                point = GEOSGeometry(value) if value else None
            except (GEOSException, ValueError):
                point = None
        else:
            point = value
        context["lat"] = f"{point.y:.6f}" if point is not None else ""
        context["lon"] = f"{point.x:.6f}" if point is not None else ""
        context["cities_json"] = json.dumps(self.cities)
        context["city_id"] = self.city_id
        context["describedby"] = (attrs or {}).get("aria-describedby", "")
        context["widget"]["attrs"]["aria_invalid"] = (attrs or {}).get("aria-invalid") == "true"
        return context

    def value_from_datadict(self, data, files, name):
        lat, lon = data.get(f"{name}_lat", "").strip(), data.get(f"{name}_lon", "").strip()
        if not lat and not lon:
            return ""
        try:
            x, y = float(lon.replace(",", ".")), float(lat.replace(",", "."))
        except ValueError:
            return "invalid"  # the field then says the coordinates are not valid
        if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
            return "invalid"
        return Point(x, y, srid=4326).geojson


def _city_centres() -> dict:
    """Per city: where the map opens, and its districts to draw for orientation."""
    return {
        str(city.pk): {
            "centre": [round(c.y, 5), round(c.x, 5)],
            "districts": reverse("cities:districts-geojson", args=[city.slug]),
        }
        for city in City.objects.all()
        if (c := city.outline.centroid if city.outline else None) is not None
    }


CHECKBOXES = forms.CheckboxSelectMultiple


class WorkspaceForm(forms.ModelForm):
    """Every field a maker fills in; the registration steps show parts of it."""

    production_runs = forms.MultipleChoiceField(
        label=_("Production runs"),
        choices=Workspace.RunSize.choices,
        widget=CHECKBOXES,
        required=False,
    )
    # A web address typed without a scheme is taken as https.
    website = forms.URLField(
        label=_("website"), required=False, max_length=200, assume_scheme="https"
    )
    works_with = forms.MultipleChoiceField(
        label=_("Who you work with"),
        choices=Workspace.Audience.choices,
        widget=CHECKBOXES,
        required=False,
    )

    class Meta:
        model = Workspace
        fields = [
            "name",
            "description",
            "city",
            "sectors",
            "address",
            "location",
            "processes",
            "machines",
            "materials_used",
            "materials_offered",
            "materials_note",
            "production_runs",
            "minimum_order",
            "lead_time_days",
            "works_with",
            "floor_area_m2",
            "employees",
            "tenure",
            "open_to_collaboration",
            "looking_for_space",
            "website",
            "email",
            "phone",
            "contact_public",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "sectors": CHECKBOXES,
            "processes": CHECKBOXES,
            "machines": CHECKBOXES,
            "materials_used": CHECKBOXES,
            "materials_offered": CHECKBOXES,
            "tenure": forms.RadioSelect,
        }
        help_texts = {
            "sectors": _("The NACE divisions of what you make."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A registration step shows its own fields only, declared ones included.
        for name in [n for n in self.fields if n not in self._meta.fields]:
            del self.fields[name]
        if "location" in self.fields:
            self.fields["location"].widget = PinWidget(cities=_city_centres())
            self.fields["location"].help_text = _(
                "Click the map where your workspace is, or type its coordinates."
            )
            self.fields["location"].error_messages["required"] = _(
                "Place the pin on the map, or type the latitude and longitude."
            )
            self.fields["location"].error_messages["invalid_geom"] = _(
                "Enter the latitude and longitude as numbers, e.g. 50.85 and 4.35."
            )
        if "tenure" in self.fields:
            self.fields["tenure"].choices = Workspace.Tenure.choices
        if "city" in self.fields:
            self.fields["city"].empty_label = _("Choose a city")


def step_form(name: str, fields: list[str]) -> type[WorkspaceForm]:
    meta = type("Meta", (WorkspaceForm.Meta,), {"fields": fields})
    return type(name, (WorkspaceForm,), {"Meta": meta})


class PhotoForm(forms.Form):
    image = forms.ImageField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    alt_text = forms.CharField(
        label=_("What the photo shows"),
        max_length=200,
        required=False,
        help_text=_("For people who cannot see it, e.g. “The workshop floor with two lathes”."),
    )

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        return image_clean(upload, max_side=2400) if upload else None

    def clean(self) -> dict:
        data = super().clean()
        if data.get("image") and not data.get("alt_text", "").strip():
            self.add_error("alt_text", _("Describe the photo for people who cannot see it."))
        return data

    def photo(self) -> Photo | None:
        data = self.cleaned_data
        if not data.get("image"):
            return None
        return Photo(image=data["image"], alt_text=data["alt_text"].strip())


PhotoFormSet = forms.formset_factory(PhotoForm, extra=3, max_num=MAX_PHOTOS)


class ReviewForm(forms.Form):
    accurate = forms.BooleanField(
        label=_("The details are accurate and I may publish them."),
        error_messages={"required": _("Tick the box to send the workspace for review.")},
    )


REGISTRATION_STEPS = [
    ("about", _("About"), ["name", "description", "city", "sectors"]),
    ("place", _("Place"), ["address", "location"]),
    (
        "work",
        _("What you make"),
        [
            "processes",
            "machines",
            "materials_used",
            "materials_offered",
            "materials_note",
            "production_runs",
            "minimum_order",
            "lead_time_days",
            "works_with",
        ],
    ),
    (
        "space",
        _("Space and people"),
        ["floor_area_m2", "employees", "tenure", "open_to_collaboration", "looking_for_space"],
    ),
    ("contact", _("Contact"), ["website", "email", "phone", "contact_public"]),
]
STEP_FORMS = [
    (name, step_form(f"{name.title()}Form", fields)) for name, _l, fields in REGISTRATION_STEPS
]
STEP_LABELS = {name: label for name, label, _f in REGISTRATION_STEPS} | {
    "photos": _("Photos"),
    "review": _("Check and send"),
}


class DecisionForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, max_length=120)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Decision.APPROVE, _("Approve")),
            (Decision.REQUEST_CHANGES, _("Ask for changes")),
            (Decision.REJECT, _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (sent to the maker)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        help_text=_("Required when you ask for changes or reject."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if (
            data.get("decision") in (Decision.REJECT, Decision.REQUEST_CHANGES)
            and not data.get("reason", "").strip()
        ):
            self.add_error("reason", _("Say why, so that the maker knows what to do."))
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, such as “QGIS at the planning office”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiToken.Scope.choices,
        initial=[ApiToken.Scope.READ],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Give a token only what it needs: a map client needs only to read."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At most one year from today."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["expires_on"].initial = today + DEFAULT_LIFETIME
        self.fields["expires_on"].widget.attrs.update(
            min=(today + timedelta(days=1)).isoformat(),
            max=(today + timedelta(days=365)).isoformat(),
        )

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if day <= today:
            raise forms.ValidationError(_("Choose a day after today."))
        if day > today + timedelta(days=365):
            raise forms.ValidationError(_("A token lasts at most one year."))
        return day

    def expires_at(self):
        """The end of the chosen day, in the portal's time zone."""
        day = self.cleaned_data["expires_on"] + timedelta(days=1)
        return timezone.make_aware(datetime.combine(day, time.min))


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class PartnerDatasetForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200,
        help_text=_("What the data is, such as “Workshops survey 2026”."),
    )  # fmt: skip
    city = forms.ModelChoiceField(label=_("City"), queryset=City.objects.order_by("name"))
    licence = forms.CharField(
        label=_("Licence"), max_length=100, initial="CC-BY-4.0",
        help_text=_("Under which others may reuse it, such as CC-BY-4.0 or ODbL-1.0."),
    )  # fmt: skip
    quality = forms.ChoiceField(
        label=_("How it was made"),
        choices=[(q.value, q.label) for q in PARTNER_QUALITIES],
        help_text=_("Official: from a public register. Partial: a survey or a sample. "
                    "Community: reported by makers."),
    )  # fmt: skip
    source = forms.CharField(label=_("Source"), max_length=500, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    embargo_until = forms.DateField(
        label=_("Under embargo until"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Until this day only your organisation sees the data (through its tokens "
                    "and signed in); then everyone does. At most two years. Leave empty to "
                    "publish at once."),
    )  # fmt: skip


class DatasetEmbargoForm(forms.Form):
    embargo_until = forms.DateField(
        label=_("Under embargo until"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Until this day only your organisation sees the data. At most two years. "
                    "Leave empty to publish it now."),
    )  # fmt: skip
