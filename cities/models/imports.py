"""An import of a GIS or statistics file, step by step: inspect, map, validate, commit.

Each heavy step runs as a `Job` on the imports queue (cities/gis_io/steps.py);
the `Import` row remembers what was found and chosen, the `StagedRow`s hold the
file's rows between validation and commit, and the `ImportIssue`s are the report.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cities.models.spatial import City, Dataset, Job


class Import(models.Model):
    class Stage(models.TextChoices):
        INSPECT = "inspect", _("Reading the file")
        MAP = "map", _("Map the fields")
        REVIEW = "review", _("Review the report")
        DONE = "done", _("Committed")
        FAILED = "failed", _("Could not be read")

    class Mode(models.TextChoices):
        NEW = "new", _("Into a new dataset")
        REPLACE = "replace", _("Replace a dataset's rows")
        UPSERT = "upsert", _("Add to a dataset and update by identifier")

    target = models.CharField(_("what it holds"), max_length=20)
    city = models.ForeignKey(
        City, verbose_name=_("city"), null=True, blank=True, on_delete=models.CASCADE
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default="inspect")
    # The upload, relative to PRIVATE_UPLOAD_ROOT (never served).
    file = models.CharField(_("file"), max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    format = models.CharField(_("format"), max_length=20, blank=True)
    # What inspection found (cities/gis_io/sources.Inspection, as JSON).
    inspection = models.JSONField(_("inspection"), null=True, blank=True)
    layer = models.CharField(_("layer"), max_length=200, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    srid = models.PositiveIntegerField(_("coordinate reference system (EPSG)"), null=True)
    # {"fields": {target: source}, "fixed": {target: value}, "values": {target: {src: value}},
    #  "csv": {"lon": .., "lat": .., "wkt": ..}, "create_categories": bool}
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    # What the target needs beyond the file: a new city's name, a context layer's name, ...
    options = models.JSONField(_("options"), default=dict, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    # The mapping the report was made with: a changed mapping needs a new validation.
    validated_mapping = models.JSONField(null=True, blank=True, editable=False)
    mode = models.CharField(_("how to commit"), max_length=10, choices=Mode.choices, blank=True)
    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("dataset"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imports",
    )
    committed = models.JSONField(_("written"), null=True, blank=True)
    job = models.ForeignKey(
        Job, verbose_name=_("current job"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    committed_at = models.DateTimeField(_("committed"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.target})"

    def get_absolute_url(self) -> str:
        return reverse("data:import", kwargs={"pk": self.pk})

    @property
    def target_label(self) -> str:
        from cities.gis_io.targets import TARGETS  # the targets know nothing of models

        target = TARGETS.get(self.target)
        return str(target.label) if target else self.target


class ImportIssue(models.Model):
    """One line of an import's validation report."""

    class Severity(models.TextChoices):
        ERROR = "error", _("Error")
        WARNING = "warning", _("Repaired")

    upload = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    field = models.CharField(_("field"), max_length=100, blank=True)
    value = models.CharField(_("value"), max_length=200, blank=True)
    message = models.CharField(_("message"), max_length=300)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    # Unknown category values are offered for mapping: which target field they are for.
    code = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["row", "id"]
        indexes = [
            models.Index(fields=["upload", "severity", "row"], name="importissue_report_idx")
        ]


class StagedRow(models.Model):
    """A row of the file between validation and commit (removed by both ends)."""

    upload = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="+")
    row = models.PositiveIntegerField()
    # The geometry as read, in the file's own CRS (parsed and transformed by SQL).
    wkb = models.BinaryField(null=True)
    geom = models.GeometryField(srid=4326, null=True, spatial_index=False)
    attrs = models.JSONField(default=dict)
    problem = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["upload", "row"], name="stagedrow_unique_row"),
        ]
