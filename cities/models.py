"""The spatial base of the portal: where data came from, cities, districts, sectors, jobs.

Geometries are stored in EPSG:4326 and must be valid (a database constraint);
metric work transforms to EPSG:3035 (ETRS89-LAEA Europe).
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import IsValid
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

METRIC_SRID = 3035


class Dataset(models.Model):
    """Provenance: every imported or generated record belongs to one dataset."""

    class Quality(models.TextChoices):
        OFFICIAL = "official", _("Official")
        COMMUNITY = "community", _("Community")
        PARTIAL = "partial", _("Partial")
        SYNTHETIC = "synthetic", _("Synthetic")

    slug = models.SlugField(_("identifier"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    publisher = models.CharField(_("publisher"), max_length=200)
    licence = models.CharField(_("licence"), max_length=100)
    source = models.CharField(
        _("source"), max_length=500, blank=True, help_text=_("Where the data came from.")
    )
    description = models.TextField(_("description"), blank=True)
    quality = models.CharField(_("quality"), max_length=20, choices=Quality.choices)
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_synthetic(self) -> bool:
        return self.quality == self.Quality.SYNTHETIC


class City(models.Model):
    slug = models.SlugField(_("identifier"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=60)
    country = models.CharField(_("country code"), max_length=2, help_text="ISO 3166-1 alpha-2")
    summary = models.TextField(_("summary"), blank=True)
    outline = models.MultiPolygonField(_("outline"), srid=4326)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True, editable=False)
    dataset = models.ForeignKey(Dataset, verbose_name=_("dataset"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=IsValid("outline"), name="city_outline_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cities:detail", kwargs={"slug": self.slug})


class District(models.Model):
    """A municipality, borough or district inside a city."""

    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="districts"
    )
    slug = models.SlugField(_("identifier"), max_length=80)
    name = models.CharField(_("name"), max_length=120)
    local_names = ArrayField(
        models.CharField(max_length=120),
        verbose_name=_("local names"),
        default=list,
        blank=True,
        help_text=_("Official names in the local languages."),
    )
    # Serves the map's bbox queries and point-in-district lookups (GiST, by default).
    geom = models.MultiPolygonField(_("boundary"), srid=4326)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True, editable=False)
    dataset = models.ForeignKey(Dataset, verbose_name=_("dataset"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["city", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="district_slug_unique_in_city"),
            models.CheckConstraint(condition=IsValid("geom"), name="district_geom_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class Sector(models.Model):
    """A NACE Rev.2 manufacturing division (section C, divisions 10-33)."""

    code = models.PositiveSmallIntegerField(
        _("NACE division"),
        primary_key=True,
        validators=[MinValueValidator(10), MaxValueValidator(33)],
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__gte=10, code__lte=33), name="sector_is_manufacturing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Job(models.Model):
    """A background run (an analysis or an import) whose progress people can follow."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    city = models.ForeignKey(
        City, verbose_name=_("city"), null=True, blank=True, on_delete=models.CASCADE
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        indexes = [
            # jobs_fail_abandoned: unfinished jobs that stopped reporting or waited too long.
            models.Index(
                fields=["status", "heartbeat_at", "queued_at"],
                name="job_unfinished_idx",
                condition=models.Q(status__in=["queued", "running"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_pct"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}
