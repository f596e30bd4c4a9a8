"""Map analyses and what they rest on: a result per run, its features, the data versions.

An `Analysis` is asked for by a person (or a partner's token) and computed by a
`Job` on the analyses queue (cities/analyses/). Its result is a summary (the
tables and charts of its page), `AnalysisFeature` rows (the layers drawn on
the map) and `AnalysisSite` rows (layers that are a selection of the city's
sites). `DataVersion` counts the changes to each city's input layers: the
database bumps it (triggers in migration 0007), so a result knows whether the
data it was computed from has changed since.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GistIndex
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cities.models.spatial import City, Job, Site


class DataVersion(models.Model):
    """How many times a city's layer (sites, zones, districts, context) has changed."""

    # No foreign key constraint: the triggers write these rows while a city's children
    # are deleted, before the city itself; a trigger on cities_city removes them after.
    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.DO_NOTHING, db_constraint=False
    )
    layer = models.CharField(_("layer"), max_length=20)
    version = models.PositiveBigIntegerField(_("version"), default=0)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")
        constraints = [
            models.UniqueConstraint(fields=["city", "layer"], name="dataversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id}/{self.layer} v{self.version}"


class Analysis(models.Model):
    """One run of an analysis kind on a city, with the parameters it was asked with."""

    kind = models.CharField(_("kind"), max_length=40)
    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="analyses"
    )
    params = models.JSONField(_("parameters"), default=dict)
    # A digest of kind and parameters: the same request on the same data is answered
    # by the result that exists (cities/analyses/services.py).
    params_key = models.CharField(max_length=64, editable=False)
    # The input layers' versions when the request was made, then when the run read them.
    data_versions = models.JSONField(_("data versions"), default=dict)
    job = models.OneToOneField(
        Job, verbose_name=_("job"), on_delete=models.PROTECT, related_name="analysis"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    summary = models.JSONField(_("summary"), null=True, blank=True)
    feature_count = models.PositiveIntegerField(_("features"), default=0)
    # The run's own time (the statements), not the time it waited in the queue.
    duration_ms = models.PositiveIntegerField(_("time taken (ms)"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("analysis")
        verbose_name_plural = _("analyses")
        ordering = ["-created_at"]
        indexes = [
            # Reuse: the same kind and parameters on a city.
            models.Index(fields=["city", "kind", "params_key"], name="analysis_reuse_idx"),
            # The city's analyses page: published results, newest first.
            models.Index(
                fields=["city", "-published_at"],
                name="analysis_published_idx",
                condition=models.Q(published_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.city_id})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def get_absolute_url(self) -> str:
        return reverse("cities:analysis", kwargs={"slug": self.city.slug, "pk": self.pk})


class AnalysisFeature(models.Model):
    """A feature of one of a result's layers (lost land, a hexagon, a cluster, a site...)."""

    analysis = models.ForeignKey(
        Analysis,
        verbose_name=_("analysis"),
        on_delete=models.CASCADE,
        related_name="features",
        db_index=False,  # analysisfeature_layer_idx starts with it
    )
    layer = models.CharField(_("layer"), max_length=20)
    properties = models.JSONField(_("properties"), default=dict)
    # Nothing looks features up in 4326 (tiles use geom_3857): no index to keep up.
    geom = models.GeometryField(_("geometry"), srid=4326, spatial_index=False)
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.GeometryField(srid=3857),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("analysis feature")
        verbose_name_plural = _("analysis features")
        indexes = [
            # A result's GeoJSON and downloads: its features, layer by layer, in order.
            models.Index(fields=["analysis", "layer", "id"], name="analysisfeature_layer_idx"),
            # A large result's tiles: geom_3857 && ST_TileEnvelope(z, x, y).
            GistIndex(fields=["geom_3857"], name="analysisfeature_3857_gist"),
        ]


class AnalysisSite(models.Model):
    """A site in one of a result's layers of sites (those beyond a distance, those at risk).

    The row refers to the site and keeps only what the analysis measured (a distance, a
    district): the site's geometry, name and sector are read from `cities_site` when the
    layer is drawn. A result of 900,000 far sites is then 900,000 narrow rows under one
    B-tree, not 900,000 copied geometries under GiST indexes (5 s instead of 30 s).

    Neither key is a database constraint, on purpose: checking 900,000 references at commit
    takes seconds, and a site's deletion would have to look here. The analysis's rows go
    with it (Django cascades them in one DELETE); a deleted site drops out of the layer
    (the join no longer finds it), and the result is marked stale by the data versions.
    """

    # (analysis, site) first: a tile looks each of its sites up in the result.
    pk = models.CompositePrimaryKey("analysis", "site", "layer")
    analysis = models.ForeignKey(
        Analysis,
        verbose_name=_("analysis"),
        on_delete=models.CASCADE,
        related_name="sites",
        db_constraint=False,
        db_index=False,  # the primary key starts with it
    )
    layer = models.CharField(_("layer"), max_length=20)
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    properties = models.JSONField(_("properties"), default=dict)

    class Meta:
        verbose_name = _("site of an analysis")
        verbose_name_plural = _("sites of analyses")
