"""The spatial base of the portal: where data came from, cities, districts, sectors, jobs.

Geometries are stored in EPSG:4326 and must be valid (a database constraint);
metric work transforms to EPSG:3035 (ETRS89-LAEA Europe).
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import IsValid, Transform
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

METRIC_SRID = 3035
# Sites are thinned out below this zoom and all drawn from it on (cities/tiles.py).
MAX_TILE_DETAIL_ZOOM = 16
THINNED_ZOOMS = range(8, MAX_TILE_DETAIL_ZOOM)


# Licences a dataset may carry: SPDX identifiers of the open-data licences in use
# in the partner countries (https://spdx.org/licenses/).
LICENCES = [
    ("CC0-1.0", "CC0 1.0 (public domain dedication)"),
    ("CC-BY-4.0", "CC BY 4.0"),
    ("CC-BY-SA-4.0", "CC BY-SA 4.0"),
    ("CC-BY-NC-4.0", "CC BY-NC 4.0"),
    ("ODbL-1.0", "Open Database License 1.0"),
    ("OGL-UK-3.0", "Open Government Licence v3.0 (UK)"),
    ("etalab-2.0", "Licence Ouverte / Open Licence 2.0"),
    ("PDDL-1.0", "Open Data Commons Public Domain Dedication 1.0"),
    ("LicenseRef-proprietary", "Not open: used with the publisher's permission"),
]


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
    reference_date = models.DateField(
        _("reference date"), null=True, blank=True, help_text=_("The day the data describes.")
    )
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Until this day the dataset's rows are in no public map, tile, file or API answer:
    # only its owners read them (cities/visibility.py). Its description stays public.
    embargo_until = models.DateField(
        _("under embargo until"),
        null=True,
        blank=True,
        help_text=_("Until this day only its owners see the data; then it is public."),
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

    @property
    def is_embargoed(self) -> bool:
        return self.embargo_until is not None and self.embargo_until > timezone.now().date()

    @property
    def attribution(self) -> str:
        return f"{self.publisher} ({self.licence})"

    def provenance(self) -> dict:
        """What an export says of the dataset, inside the file."""
        return {
            "dataset": self.slug,
            "name": self.name,
            "publisher": self.publisher,
            "licence": self.licence,
            "source": self.source,
            "quality": self.quality,
            "reference_date": self.reference_date.isoformat() if self.reference_date else None,
            "imported_at": self.imported_at.isoformat(),
        }

    def get_absolute_url(self) -> str:
        return reverse("dataset", kwargs={"slug": self.slug})


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
    # Tiles: geom_3857 && ST_TileEnvelope(z, x, y) (GiST).
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.MultiPolygonField(srid=3857),
        db_persist=True,
    )
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
        indexes = [
            # Tiles: geom_3857 && ST_TileEnvelope(z, x, y).
            GistIndex(fields=["geom_3857"], name="district_geom_3857_gist"),
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
        CANCELLED = "cancelled", _("Cancelled")

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
    # Rows (or other units) done out of the total, where the job counts them.
    done = models.PositiveBigIntegerField(_("done"), null=True, blank=True)
    total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
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
    cancel_requested_at = models.DateTimeField(_("cancel requested"), null=True, blank=True)
    # The worker's database session, so that a cancel can interrupt a long statement.
    backend_pid = models.PositiveIntegerField(null=True, blank=True, editable=False)

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
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED, self.Status.CANCELLED}


class ZoningCategory(models.Model):
    """A kind of protected or productive land in one city's planning system."""

    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="zoning_categories"
    )
    code = models.CharField(_("code"), max_length=12)
    name = models.CharField(_("name"), max_length=120)
    meaning = models.CharField(_("meaning"), max_length=300)

    class Meta:
        verbose_name = _("zoning category")
        verbose_name_plural = _("zoning categories")
        ordering = ["city", "code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="zoning_code_unique_in_city"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Site(models.Model):
    """A manufacturing establishment."""

    # Indexed through site_city_sector_idx, whose first column it is.
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.CASCADE, db_index=False)
    dataset = models.ForeignKey(Dataset, verbose_name=_("dataset"), on_delete=models.PROTECT)
    external_id = models.CharField(_("external identifier"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    sector = models.ForeignKey(Sector, verbose_name=_("sector"), on_delete=models.PROTECT)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    floor_area_m2 = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    year_opened = models.PositiveSmallIntegerField(_("year opened"), null=True, blank=True)
    year_closed = models.PositiveSmallIntegerField(_("year closed"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    geom = models.PointField(_("location"), srid=4326)
    # Tiles are cut in Web Mercator: an indexed 3857 copy, kept by the database.
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.PointField(srid=3857),
        db_persist=True,
    )
    # The lowest zoom at which the site is drawn on its own (see cities/tiles.py):
    # the biggest sites of each small grid cell come first, the rest later.
    min_zoom = models.PositiveSmallIntegerField(_("shown from zoom"), default=MAX_TILE_DETAIL_ZOOM)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "external_id"], name="site_external_id_unique_in_dataset"
            ),
            models.CheckConstraint(
                condition=models.Q(year_closed__isnull=True)
                | models.Q(year_opened__isnull=True)
                | models.Q(year_closed__gte=models.F("year_opened")),
                name="site_closes_after_it_opens",
            ),
        ]
        indexes = [
            # API: a city's sites page by id (keyset: city_id = ? AND id > ? ORDER BY id).
            models.Index(fields=["city", "id"], name="site_city_keyset_idx"),
            # API and statistics: one city's sites of some sectors.
            models.Index(fields=["city", "sector", "id"], name="site_city_sector_idx"),
            # City page sources: does this city have sites from this dataset?
            models.Index(fields=["city", "dataset"], name="site_city_dataset_idx"),
            # Tiles at full detail: geom_3857 && ST_TileEnvelope(z, x, y).
            GistIndex(fields=["geom_3857"], name="site_geom_3857_gist"),
            # Tiles at lower zooms read only the sites drawn there (one index per level).
            *(
                GistIndex(
                    fields=["geom_3857"],
                    name=f"site_geom_3857_z{z}_gist",
                    condition=models.Q(min_zoom__lte=z),
                )
                for z in THINNED_ZOOMS
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LandZone(models.Model):
    """A polygon of industrial or productive land as it was in a reference year."""

    class Protection(models.TextChoices):
        PROTECTED = "protected", _("Protected")
        PARTIAL = "partial", _("Partly protected")
        UNPROTECTED = "unprotected", _("Not protected")

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.CASCADE)
    dataset = models.ForeignKey(Dataset, verbose_name=_("dataset"), on_delete=models.PROTECT)
    category = models.ForeignKey(
        ZoningCategory, verbose_name=_("zoning category"), on_delete=models.PROTECT
    )
    # The zone's identifier in its source file, for updates by a later import.
    external_id = models.CharField(_("external identifier"), max_length=80, blank=True)
    name = models.CharField(_("name"), max_length=200)
    protection = models.CharField(_("protection"), max_length=12, choices=Protection.choices)
    reference_year = models.PositiveSmallIntegerField(_("reference year"))
    geom = models.MultiPolygonField(_("boundary"), srid=4326)
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.MultiPolygonField(srid=3857),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("land zone")
        verbose_name_plural = _("land zones")
        constraints = [
            models.CheckConstraint(condition=IsValid("geom"), name="landzone_geom_valid"),
            # Upserts by identifier (cities/gis_io/commit.py): ON CONFLICT needs this index.
            models.UniqueConstraint(
                fields=["dataset", "external_id", "reference_year"],
                name="landzone_external_id_unique",
                condition=~models.Q(external_id=""),
            ),
        ]
        indexes = [
            # GeoJSON and API: the zones of one city in one year.
            models.Index(fields=["city", "reference_year"], name="landzone_city_year_idx"),
            # Tiles: geom_3857 && ST_TileEnvelope(z, x, y).
            GistIndex(fields=["geom_3857"], name="landzone_geom_3857_gist"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.reference_year})"


class Indicator(models.Model):
    """A statistic for a district, or for the whole city when district is empty."""

    class Key(models.TextChoices):
        JOBS = "manufacturing_jobs", _("Manufacturing jobs")
        FIRMS = "manufacturing_firms", _("Manufacturing firms")
        FLOOR_AREA = "productive_floor_area", _("Productive floor area")

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.CASCADE)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.CASCADE
    )
    key = models.CharField(_("indicator"), max_length=40, choices=Key.choices)
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), null=True, blank=True, on_delete=models.PROTECT
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("value"))
    unit = models.CharField(_("unit"), max_length=20)
    dataset = models.ForeignKey(Dataset, verbose_name=_("dataset"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "city", "district", "key", "sector", "year"],
                name="indicator_unique_value",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            # Choropleth and charts: one key and year of a city, across districts or years.
            models.Index(fields=["city", "key", "year", "sector"], name="indicator_lookup_idx"),
        ]


class MaterialCategory(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("material category")
        verbose_name_plural = _("material categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Activity(models.TextChoices):
    """Stages of a city's material metabolism, the ends of a flow that is not a district."""

    IMPORT = "import", _("Import")
    PRODUCTION = "production", _("Production")
    DISTRIBUTION = "distribution", _("Distribution")
    CONSUMPTION = "consumption", _("Consumption")
    COLLECTION = "collection", _("Collection")
    RECYCLING = "recycling", _("Recycling")
    WASTE_TREATMENT = "waste_treatment", _("Waste treatment")
    EXPORT = "export", _("Export")


class MaterialFlow(models.Model):
    """Tonnes a year of one material from an origin to a destination (district or activity)."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("year"))
    material = models.ForeignKey(
        MaterialCategory, verbose_name=_("material"), on_delete=models.PROTECT
    )
    origin_district = models.ForeignKey(
        District, verbose_name=_("origin district"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )  # fmt: skip
    origin_activity = models.CharField(
        _("origin activity"), max_length=20, choices=Activity.choices, blank=True
    )
    destination_district = models.ForeignKey(
        District, verbose_name=_("destination district"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )  # fmt: skip
    destination_activity = models.CharField(
        _("destination activity"), max_length=20, choices=Activity.choices, blank=True
    )
    tonnes = models.FloatField(_("tonnes per year"), validators=[MinValueValidator(0)])
    dataset = models.ForeignKey(Dataset, verbose_name=_("dataset"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("material flow")
        verbose_name_plural = _("material flows")
        constraints = [
            # Each end is a district or an activity, never both, never neither.
            models.CheckConstraint(
                condition=models.Q(origin_district__isnull=True) ^ models.Q(origin_activity=""),
                name="flow_origin_is_district_xor_activity",
            ),
            models.CheckConstraint(
                condition=models.Q(destination_district__isnull=True)
                ^ models.Q(destination_activity=""),
                name="flow_destination_is_district_xor_activity",
            ),
            models.CheckConstraint(condition=models.Q(tonnes__gte=0), name="flow_tonnes_positive"),
            # A dataset says once how much of a material goes from one end to another in
            # a year: what an upsert of flows updates.
            models.UniqueConstraint(
                fields=[
                    "dataset",
                    "city",
                    "year",
                    "material",
                    "origin_district",
                    "origin_activity",
                    "destination_district",
                    "destination_activity",
                ],
                name="flow_unique_in_dataset",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            # Sankey and API: the flows of a city in a year.
            models.Index(fields=["city", "year", "material"], name="flow_city_year_idx"),
        ]


class ContextLayer(models.Model):
    """Any other geometry worth showing on a city map (stations, waterways, ...)."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.CASCADE)
    slug = models.SlugField(_("identifier"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    dataset = models.ForeignKey(Dataset, verbose_name=_("dataset"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("context layer")
        verbose_name_plural = _("context layers")
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="context_layer_unique_in_city"),
        ]

    def __str__(self) -> str:
        return self.name


class ContextFeature(models.Model):
    layer = models.ForeignKey(
        ContextLayer, verbose_name=_("layer"), on_delete=models.CASCADE, related_name="features"
    )
    external_id = models.CharField(_("external identifier"), max_length=80, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    geom = models.GeometryField(_("geometry"), srid=4326)

    class Meta:
        verbose_name = _("context feature")
        verbose_name_plural = _("context features")
        constraints = [
            models.CheckConstraint(condition=IsValid("geom"), name="contextfeature_geom_valid"),
            # Upserts by identifier (cities/gis_io/commit.py): ON CONFLICT needs this index.
            models.UniqueConstraint(
                fields=["layer", "external_id"],
                name="contextfeature_external_id_unique",
                condition=~models.Q(external_id=""),
            ),
        ]
