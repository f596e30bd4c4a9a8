"""Forms of the staff data area: upload, add a city, map fields, commit."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cities.gis_io.sources import ENCODINGS
from cities.gis_io.targets import TARGETS, Target
from cities.models import LICENCES, City, Dataset, Import

# Coordinate reference systems offered when a file does not say (EPSG codes).
SRIDS = [
    (4326, _("WGS 84 longitude/latitude (EPSG:4326)")),
    (31370, _("Belgian Lambert 72 (EPSG:31370)")),
    (27700, _("British National Grid (EPSG:27700)")),
    (28992, _("Dutch RD New (EPSG:28992)")),
    (3035, _("ETRS89 LAEA Europe (EPSG:3035)")),
    (3857, _("Web Mercator (EPSG:3857)")),
    (25831, _("ETRS89 / UTM 31N (EPSG:25831)")),
    (32631, _("WGS 84 / UTM 31N (EPSG:32631)")),
]
IMPORTABLE = [(t.slug, t.label) for t in TARGETS.values() if t.needs_city]


def _file_field() -> forms.FileField:
    return forms.FileField(
        label=_("File"),
        help_text=_(
            "GeoJSON, GeoPackage, a zipped Shapefile (.shp, .shx, .dbf, .prj, .cpg), CSV or "
            "FlatGeobuf; at most %(mb)s MB."
        )
        % {"mb": settings.IMPORT_MAX_UPLOAD_MB},
    )


class UploadForm(forms.Form):
    target = forms.ChoiceField(label=_("What the file holds"), choices=IMPORTABLE)
    city = forms.ModelChoiceField(
        label=_("City"), queryset=City.objects.order_by("name").only("pk", "name", "slug")
    )
    file = _file_field()
    layer_name = forms.CharField(
        label=_("Name of the context layer"),
        required=False,
        max_length=120,
        help_text=_("Only for a context layer, e.g. Railway stations."),
    )

    def clean(self):
        data = super().clean()
        if data.get("target") == "context" and not data.get("layer_name"):
            self.add_error("layer_name", _("Give the context layer a name."))
        return data

    def options(self) -> dict:
        if self.cleaned_data["target"] != "context":
            return {}
        name = self.cleaned_data["layer_name"]
        return {"layer_name": name, "layer_slug": slugify(name)[:60] or "layer"}


class CityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    slug = forms.SlugField(
        label=_("Identifier"),
        max_length=60,
        help_text=_("In addresses: /cities/<identifier>/. Lower-case letters, digits, hyphens."),
    )
    country = forms.CharField(
        label=_("Country code"), max_length=2, min_length=2, help_text=_("ISO 3166, e.g. BE.")
    )
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    file = _file_field()

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        if City.objects.filter(slug=slug).exists():
            raise ValidationError(_("A city with this identifier exists already."))
        return slug

    def clean_country(self) -> str:
        code = self.cleaned_data["country"].upper()
        if not code.isalpha():
            raise ValidationError(_("Two letters, e.g. BE, GB or NL."))
        return code

    def options(self) -> dict:
        keys = ("name", "short_name", "slug", "country", "summary")
        return {k: self.cleaned_data[k] for k in keys}


class MappingForm(forms.Form):
    """Built from the import: a source-field select and a fixed value for each target field."""

    def __init__(self, *args, imp: Import, **kwargs):
        super().__init__(*args, **kwargs)
        self.imp = imp
        self.target: Target = TARGETS[imp.target]
        inspection = imp.inspection or {}
        layers = inspection.get("layers", [])
        layer = next((x for x in layers if x["name"] == imp.layer), layers[0] if layers else None)
        self.source_fields = [f["name"] for f in layer["fields"]] if layer else []
        choices = [("", _("— not in the file —"))] + [(n, n) for n in self.source_fields]
        mapping = imp.mapping or {}
        if len(layers) > 1:
            self.fields["layer"] = forms.ChoiceField(
                label=_("Layer"),
                choices=[(x["name"], f"{x['name']} ({x['count']})") for x in layers],
                initial=imp.layer,
                help_text=_("The file has several layers: choose one."),
            )
        if inspection.get("format") in ("csv", "shapefile"):
            known = inspection.get("encoding_known", True)
            self.fields["encoding"] = forms.ChoiceField(
                label=_("Text encoding"),
                choices=[(e, e) for e in ENCODINGS],
                initial=imp.encoding or "utf-8",
                help_text=_("The file does not say how its text is encoded: check the samples.")
                if not known
                else _("Detected from the file."),
            )
        if self.target.geometry is not None:
            suggested = inspection.get("suggested_srid")
            srids = dict(SRIDS)
            if imp.srid and imp.srid not in srids:
                srids[imp.srid] = f"EPSG:{imp.srid}"
            self.fields["srid"] = forms.TypedChoiceField(
                label=_("Coordinate reference system"),
                coerce=int,
                choices=list(srids.items()),
                initial=imp.srid,
                help_text=_(
                    "The file names no coordinate system; suggested from its coordinates: "
                    "EPSG:%(srid)s. Check it."
                )
                % {"srid": suggested}
                if suggested
                else _("Read from the file."),
            )
            if inspection.get("format") == "csv":
                csv_choice = mapping.get("csv", {})
                for key, label in (
                    ("lon", _("Longitude column")),
                    ("lat", _("Latitude column")),
                    ("wkt", _("WKT geometry column")),
                ):
                    self.fields[f"csv_{key}"] = forms.ChoiceField(
                        label=label,
                        choices=choices,
                        required=False,
                        initial=csv_choice.get(key, ""),
                    )
        for field in self.target.fields:
            self.fields[f"map_{field.name}"] = forms.ChoiceField(
                label=field.label,
                choices=choices,
                required=False,
                initial=mapping.get("fields", {}).get(field.name, ""),
                help_text=field.help,
            )
            self.fields[f"fixed_{field.name}"] = forms.CharField(
                label=_("or the same value for every row"),
                required=False,
                max_length=200,
                initial=mapping.get("fixed", {}).get(field.name, ""),
            )
        if imp.target == "zones":
            self.fields["create_categories"] = forms.BooleanField(
                label=_("Add zoning codes the city does not have yet as new categories"),
                required=False,
                initial=mapping.get("create_categories", False),
            )

    def clean(self):
        data = super().clean()
        for field in self.target.fields:
            if (
                field.required
                and not data.get(f"map_{field.name}")
                and not (data.get(f"fixed_{field.name}") or "").strip()
            ):
                self.add_error(
                    f"map_{field.name}",
                    _("Required: choose the file's field, or give a value for every row."),
                )
        if (self.imp.inspection or {}).get("format") == "csv" and self.target.geometry:
            lonlat = data.get("csv_lon") and data.get("csv_lat")
            if not lonlat and not data.get("csv_wkt"):
                self.add_error(
                    "csv_lon", _("Choose the longitude and latitude columns, or a WKT column.")
                )
        return data

    def field_rows(self) -> list[tuple]:
        """(target field, its select, its fixed value, samples) for the template's table."""
        return [
            (f, self[f"map_{f.name}"], self[f"fixed_{f.name}"], f.required)
            for f in self.target.fields
        ]

    def mapping(self) -> dict:
        data = self.cleaned_data
        values = (self.imp.mapping or {}).get("values", {})
        mapping = {
            "fields": {
                f.name: data[f"map_{f.name}"]
                for f in self.target.fields
                if data.get(f"map_{f.name}")
            },
            "fixed": {
                f.name: data[f"fixed_{f.name}"].strip()
                for f in self.target.fields
                if (data.get(f"fixed_{f.name}") or "").strip()
            },
            "values": values,
            "create_categories": bool(data.get("create_categories")),
        }
        if "csv_lon" in self.fields:
            mapping["csv"] = {k: data.get(f"csv_{k}") or "" for k in ("lon", "lat", "wkt")}
        return mapping


class ValueMappingForm(forms.Form):
    """Unknown codes of the report, each mapped to one of ours (or left unmapped)."""

    def __init__(self, *args, unknown: list[tuple[str, str, int]], choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.unknown = []
        for i, (field, value, rows) in enumerate(unknown):
            name = f"value_{i}"
            self.fields[name] = forms.ChoiceField(
                label=value,
                choices=[("", _("— leave as it is —")), *choices.get(field, [])],
                required=False,
            )
            self.unknown.append((name, field, value, rows))

    def rows(self):
        return [(self[name], field, value, rows) for name, field, value, rows in self.unknown]

    def values(self) -> dict[str, dict[str, str]]:
        chosen: dict[str, dict[str, str]] = {}
        for name, field, value, _rows in self.unknown:
            if self.cleaned_data.get(name):
                chosen.setdefault(field, {})[value] = self.cleaned_data[name]
        return chosen


class CommitForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Where the rows go"), choices=Import.Mode.choices, widget=forms.RadioSelect
    )
    dataset = forms.ModelChoiceField(
        label=_("Existing dataset"),
        queryset=Dataset.objects.order_by("name"),
        required=False,
        help_text=_("To replace its rows, or to update them by identifier."),
    )
    name = forms.CharField(label=_("Dataset name"), max_length=200, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=200, required=False)
    licence = forms.ChoiceField(label=_("Licence"), choices=LICENCES, required=False)
    source = forms.URLField(
        label=_("Source (URL)"), max_length=500, required=False, assume_scheme="https"
    )
    reference_date = forms.DateField(
        label=_("Reference date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day the data describes."),
    )
    quality = forms.ChoiceField(label=_("Quality"), choices=Dataset.Quality.choices, required=False)

    def __init__(self, *args, imp: Import, **kwargs):
        super().__init__(*args, **kwargs)
        modes = TARGETS[imp.target].modes
        self.fields["mode"].choices = [(v, label) for v, label in Import.Mode.choices if v in modes]
        self.fields["mode"].initial = "new"

    def clean(self):
        data = super().clean()
        if data.get("mode") == "new":
            for name in ("name", "publisher", "licence", "quality"):
                if not data.get(name):
                    self.add_error(name, _("Needed for a new dataset."))
        elif data.get("mode") and not data.get("dataset"):
            self.add_error("dataset", _("Choose the dataset to replace or update."))
        return data

    def dataset_values(self) -> dict:
        keys = ("name", "publisher", "licence", "source", "reference_date", "quality")
        return {k: self.cleaned_data.get(k) for k in keys}
