"""Clusters of firms found with DBSCAN (ST_ClusterDBSCAN), in EPSG:3035 metres.

A cluster is a set of at least `min_points` sites, each within `distance` of
another of the set (DBSCAN's core points and their reach). Each is drawn as its
convex hull (a thin buffer where the sites are in a line), with its size, jobs
and dominant sectors.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities.analyses.base import (
    AnalysisForm,
    AnalysisKind,
    Column,
    ResultLayer,
    Run,
    Table,
    register_analysis,
)
from cities.analyses.inputs import SectorsField, SiteYearField, check_sites_exist, sites_where
from cities.jobs import JobFailed


class ClustersForm(AnalysisForm):
    distance = forms.IntegerField(
        label=gettext_lazy("Distance (m)"),
        min_value=25,
        max_value=2000,
        initial=200,
        help_text=gettext_lazy("Sites this close to each other belong together (25 m to 2,000 m)."),
    )
    min_points = forms.IntegerField(
        label=gettext_lazy("Smallest cluster (sites)"),
        min_value=3,
        max_value=500,
        initial=10,
        help_text=gettext_lazy("How many sites make a cluster, from 3 to 500."),
    )
    sectors = SectorsField()
    year = SiteYearField()

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors:
            check_sites_exist(self, cleaned)
        return cleaned


_CLUSTER = """
CREATE TEMP TABLE cl_sites ON COMMIT DROP AS
SELECT s.id, s.sector_id, coalesce(s.employees, 0) AS jobs, g,
       ST_ClusterDBSCAN(g, eps => %(distance)s, minpoints => %(min_points)s) OVER () AS cluster
FROM (
  SELECT s.*, ST_Transform(s.geom, 3035) AS g FROM cities_site s WHERE {where}
) AS s
"""

_CLUSTERS = """
CREATE TEMP TABLE cl_clusters ON COMMIT DROP AS
WITH sizes AS (
  SELECT cluster, count(*) AS sites, sum(jobs) AS jobs, ST_ConvexHull(ST_Collect(g)) AS hull
  FROM cl_sites WHERE cluster IS NOT NULL GROUP BY cluster
), sectors AS (
  SELECT cluster, sector_id, count(*) AS n,
         row_number() OVER (PARTITION BY cluster ORDER BY count(*) DESC, sector_id) AS rank
  FROM cl_sites WHERE cluster IS NOT NULL GROUP BY cluster, sector_id
)
SELECT row_number() OVER (ORDER BY z.sites DESC, z.cluster) AS number, z.sites, z.jobs,
       CASE WHEN ST_Dimension(z.hull) = 2 THEN z.hull ELSE ST_Buffer(z.hull, 25) END AS hull,
       (SELECT jsonb_agg(jsonb_build_object('sector', s.sector_id, 'name', sec.name, 'sites', s.n)
                         ORDER BY s.rank)
        FROM sectors s JOIN cities_sector sec ON sec.code = s.sector_id
        WHERE s.cluster = z.cluster AND s.rank <= 3) AS sectors
FROM sizes z
"""

_FEATURES = """
INSERT INTO cities_analysisfeature (analysis_id, layer, properties, geom)
SELECT %(analysis)s, 'clusters',
       jsonb_build_object('number', number, 'sites', sites, 'jobs', jobs, 'sectors', sectors,
                          'area_ha', round((ST_Area(hull) / 1e4)::numeric, 2)),
       ST_Transform(hull, 4326)
FROM cl_clusters ORDER BY number
"""

_TABLE = """
SELECT c.number, c.sites, c.jobs, round((ST_Area(c.hull) / 1e4)::numeric, 2)::float8 AS area_ha,
       (SELECT string_agg(e->>'sector' || ' ' || (e->>'name'), ', ')
        FROM jsonb_array_elements(c.sectors) e) AS sectors,
       coalesce(d.name, %(outside)s) AS district
FROM cl_clusters c
LEFT JOIN LATERAL (
  SELECT name FROM cities_district
  WHERE city_id = %(city)s AND ST_Intersects(geom, ST_Transform(ST_PointOnSurface(c.hull), 4326))
  LIMIT 1
) AS d ON true
ORDER BY c.number
LIMIT 50
"""

_TOTALS = """
SELECT (SELECT count(*) FROM cl_clusters) AS clusters,
       count(*) AS sites, count(*) FILTER (WHERE cluster IS NOT NULL) AS clustered_sites,
       sum(jobs) FILTER (WHERE cluster IS NOT NULL) AS clustered_jobs
FROM cl_sites
"""


def compute(run: Run) -> dict[str, Any]:
    where, values = sites_where(run.params)
    params = {"distance": run.params["distance"], "min_points": run.params["min_points"], **values}
    run.step(10, _("Finding clusters among the sites (DBSCAN)"))
    run.sql(_CLUSTER.format(where=where), params)
    run.step(70, _("Drawing each cluster's outline"))
    run.sql(_CLUSTERS)
    totals = run.one(_TOTALS)
    if not totals.get("sites"):
        raise JobFailed(_("No manufacturing site of %(city)s matches these choices.") % {
            "city": run.city.name
        })  # fmt: skip
    run.sql(_FEATURES)
    run.step(90, _("Naming the clusters"))
    rows = run.rows(_TABLE, {"outside": _("Outside the districts")})
    totals["clustered_jobs"] = totals["clustered_jobs"] or 0
    totals["clustered_pct"] = round(100 * totals["clustered_sites"] / totals["sites"], 1)
    return {"totals": totals, "tables": {"clusters": rows}}


CLUSTERS = register_analysis(
    AnalysisKind(
        position=3,
        slug="clusters",
        title=gettext_lazy("Clusters of firms"),
        question=gettext_lazy(
            "Which clusters of manufacturing firms does the city have, how big are "
            "they and what do they make?"
        ),
        form=ClustersForm,
        inputs=("sites", "districts"),
        compute=compute,
        totals=(
            Column("clusters", gettext_lazy("Clusters"), "integer"),
            Column("sites", gettext_lazy("Sites considered"), "integer"),
            Column("clustered_sites", gettext_lazy("Sites in a cluster"), "integer"),
            Column("clustered_pct", gettext_lazy("Share of sites in a cluster"), "percent"),
            Column("clustered_jobs", gettext_lazy("Jobs in clusters"), "integer"),
        ),
        tables=(
            Table(
                "clusters",
                gettext_lazy("The largest clusters"),
                (
                    Column("number", gettext_lazy("Cluster"), "integer"),
                    Column("district", gettext_lazy("District"), "text"),
                    Column("sites", gettext_lazy("Sites"), "integer"),
                    Column("jobs", gettext_lazy("Jobs"), "integer"),
                    Column("area_ha", gettext_lazy("Hull area (ha)"), "hectares"),
                    Column("sectors", gettext_lazy("Main sectors"), "text"),
                ),
            ),
        ),
        layers=(ResultLayer("clusters", gettext_lazy("Clusters"), "#e65100"),),
    )
)
