"""Forms of the staff area: one per kind of content, and the image upload."""

import codecs
import zipfile
import zlib

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cities.models import City, Sector
from portal.images import image_clean
from toolkit.models import (
    Action,
    Audience,
    CaseStudy,
    CaseStudyImage,
    EngagementEvent,
    ImplementationPlan,
    Method,
    Theme,
    Tool,
    ToolFile,
)

MARKDOWN = {"class": "markdown-input", "rows": 8, "data-markdown": "1"}


class SlugFromTitleMixin:
    """New content gets an identifier made from its English title, unique in its table."""

    def unique_slug(self, title: str) -> str:
        base = slugify(title)[:70] or "untitled"
        slug, n = base, 2
        model = self._meta.model
        while model.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug


class ToolForm(SlugFromTitleMixin, forms.ModelForm):
    audiences = forms.MultipleChoiceField(
        label=_("For"),
        choices=Audience.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    methods = forms.MultipleChoiceField(
        label=_("Methods"),
        choices=Method.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.order_by("slug"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    related = forms.ModelMultipleChoiceField(
        label=_("Related tools"), queryset=Tool.objects.order_by("title"), required=False
    )

    class Meta:
        model = Tool
        fields = [
            "title_en", "title_fr", "title_nl", "summary_en", "summary_fr", "summary_nl",
            "dimension", "themes", "audiences", "methods", "effort_level", "effort_time",
            "effort_cost", "effort_skills", "effort_data", "context", "problem", "forces",
            "solution", "steps", "resources", "related",
        ]  # fmt: skip
        widgets = {
            "summary_en": forms.Textarea(attrs={"rows": 2}),
            "summary_fr": forms.Textarea(attrs={"rows": 2}),
            "summary_nl": forms.Textarea(attrs={"rows": 2}),
            **{name: forms.Textarea(attrs=MARKDOWN) for name in
               ("context", "problem", "forces", "solution", "steps", "resources")},
        }  # fmt: skip
        labels = {
            "title_en": _("Title (English)"), "title_fr": _("Title (French)"),
            "title_nl": _("Title (Dutch)"), "summary_en": _("Summary (English)"),
            "summary_fr": _("Summary (French)"), "summary_nl": _("Summary (Dutch)"),
        }  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title_en"].required = True
        self.fields["summary_en"].required = True
        if self.instance.pk:
            self.fields["related"].queryset = Tool.objects.exclude(pk=self.instance.pk).order_by(
                "title"
            )

    def save(self, commit: bool = True) -> Tool:
        tool = super().save(commit=False)
        if not tool.slug:
            tool.slug = self.unique_slug(self.cleaned_data["title_en"])
        return tool

    def m2m(self) -> dict:
        return {"themes": self.cleaned_data["themes"], "related": self.cleaned_data["related"]}


class CaseStudyForm(SlugFromTitleMixin, forms.ModelForm):
    longitude = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    latitude = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    city = forms.ModelChoiceField(label=_("City"), queryset=City.objects.order_by("slug"))
    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors"), queryset=Sector.objects.order_by("code"), required=False
    )
    tools = forms.ModelMultipleChoiceField(
        label=_("Tools applied"), queryset=Tool.objects.order_by("title"), required=False
    )

    class Meta:
        model = CaseStudy
        fields = [
            "title_en", "title_fr", "title_nl", "summary_en", "summary_fr", "summary_nl",
            "city", "district_name", "start_year", "end_year", "sectors", "tools", "story",
            "lessons", "illustrative",
        ]  # fmt: skip
        widgets = {
            "summary_en": forms.Textarea(attrs={"rows": 2}),
            "summary_fr": forms.Textarea(attrs={"rows": 2}),
            "summary_nl": forms.Textarea(attrs={"rows": 2}),
            "story": forms.Textarea(attrs=MARKDOWN),
            "lessons": forms.Textarea(attrs=MARKDOWN),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title_en"].required = True
        self.fields["summary_en"].required = True
        if self.instance.pk and self.instance.location:
            self.initial.setdefault("longitude", self.instance.location.x)
            self.initial.setdefault("latitude", self.instance.location.y)

    def clean(self) -> dict:
        data = super().clean()
        city, lon, lat = data.get("city"), data.get("longitude"), data.get("latitude")
        if city and lon is not None and lat is not None:
            from django.contrib.gis.geos import Point

            point = Point(lon, lat, srid=4326)
            if not city.outline.buffer(0.05).contains(point):
                self.add_error(
                    "longitude", _("This place is not in or near %(city)s.") % {"city": city}
                )
            data["point"] = point
        return data

    def save(self, commit: bool = True) -> CaseStudy:
        case = super().save(commit=False)
        if not case.slug:
            case.slug = self.unique_slug(self.cleaned_data["title_en"])
        case.location = self.cleaned_data["point"]
        return case

    def m2m(self) -> dict:
        return {"sectors": self.cleaned_data["sectors"], "tools": self.cleaned_data["tools"]}


class PlanForm(forms.ModelForm):
    class Meta:
        model = ImplementationPlan
        fields = ["city", "title", "vision", "goals"]
        widgets = {
            "vision": forms.Textarea(attrs=MARKDOWN),
            "goals": forms.Textarea(attrs=MARKDOWN),
        }

    def m2m(self) -> dict:
        return {}


class ActionForm(forms.ModelForm):
    tools = forms.ModelMultipleChoiceField(
        label=_("Tools used"), queryset=Tool.objects.order_by("title"), required=False
    )

    class Meta:
        model = Action
        fields = [
            "plan", "order", "title", "description", "lead", "tools", "start", "end", "state",
            "progress", "indicator", "target",
        ]  # fmt: skip
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end must not come before the start."))
        return data

    def m2m(self) -> dict:
        return {"tools": self.cleaned_data["tools"]}


class EventForm(forms.ModelForm):
    tools = forms.ModelMultipleChoiceField(
        label=_("Tools discussed"), queryset=Tool.objects.order_by("title"), required=False
    )

    class Meta:
        model = EngagementEvent
        fields = ["city", "kind", "date", "title", "participants", "summary", "outcomes", "tools"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "outcomes": forms.Textarea(attrs={"rows": 3}),
        }

    def m2m(self) -> dict:
        return {"tools": self.cleaned_data["tools"]}


class CaseStudyImageForm(forms.ModelForm):
    class Meta:
        model = CaseStudyImage
        fields = ["image", "alt_text", "caption"]

    def clean_image(self):
        return image_clean(self.cleaned_data["image"])


MAX_FILE_BYTES = 20 * 1024 * 1024
# Extension -> how the file must begin (None: text that must read as UTF-8).
FILE_SIGNATURES = {
    "pdf": b"%PDF-",
    "docx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
    "pptx": b"PK\x03\x04",
    "odt": b"PK\x03\x04",
    "ods": b"PK\x03\x04",
    "odp": b"PK\x03\x04",
    "csv": None,
    "txt": None,
}
# Zip-based documents: what each must hold (Office Open XML's content types, or the
# OpenDocument mimetype it declares), and the limits that keep a zip bomb out.
ZIP_MARKERS = {
    "docx": ("[Content_Types].xml", None),
    "xlsx": ("[Content_Types].xml", None),
    "pptx": ("[Content_Types].xml", None),
    "odt": ("mimetype", b"application/vnd.oasis.opendocument.text"),
    "ods": ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
    "odp": ("mimetype", b"application/vnd.oasis.opendocument.presentation"),
}
ZIP_MAX_MEMBERS = 2000
ZIP_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100  # unpacked to packed, over the whole file


def check_zip_document(upload, extension: str) -> None:
    """Refuse a zip-based document that is not what its name says, or that would unpack
    into far more than it weighs. Reads the zip's directory only; nothing is unpacked."""
    wrong = forms.ValidationError(_("The file's content does not match its name."))
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_MEMBERS:
                raise forms.ValidationError(_("This document holds too many parts."))
            for member in members:
                name = member.filename
                if name.startswith(("/", "\\")) or "\\" in name or ".." in name.split("/"):
                    raise wrong
            unpacked = sum(member.file_size for member in members)
            if unpacked > ZIP_MAX_UNPACKED_BYTES or unpacked > ZIP_MAX_RATIO * max(upload.size, 1):
                raise forms.ValidationError(
                    _("This document would unpack into far more than its size: it is refused.")
                )
            marker, content = ZIP_MARKERS[extension]
            if marker not in archive.namelist():
                raise wrong
            if content is not None and (
                archive.getinfo(marker).file_size > 200 or archive.read(marker).strip() != content
            ):
                raise wrong
    # zlib.error: a damaged member; NotImplementedError, RuntimeError: a compression method
    # or an encryption Python cannot read.
    except (
        zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, RuntimeError,
        EOFError, ValueError,
    ):  # fmt: skip
        raise wrong from None
    finally:
        upload.seek(0)


def check_utf8(upload) -> None:
    """The whole file reads as UTF-8 (a text file can turn Latin-1 anywhere)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in upload.chunks():
            decoder.decode(chunk, final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise forms.ValidationError(_("This text file is not in UTF-8.")) from None
    finally:
        upload.seek(0)


class ToolFileForm(forms.ModelForm):
    class Meta:
        model = ToolFile
        fields = ["title", "file"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in FILE_SIGNATURES:
            raise forms.ValidationError(
                _("Upload a PDF, Word, Excel, PowerPoint, OpenDocument, CSV or text file.")
            )
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        head = upload.read(8)
        upload.seek(0)
        signature = FILE_SIGNATURES[extension]
        if signature is None:
            check_utf8(upload)
        elif not head.startswith(signature):
            raise forms.ValidationError(_("The file's content does not match its name."))
        elif extension in ZIP_MARKERS:
            check_zip_document(upload, extension)
        upload.name = f"{slugify(upload.name.rsplit('.', 1)[0])[:60] or 'file'}.{extension}"
        return upload
