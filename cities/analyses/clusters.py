"""Clusters of firms found with DBSCAN, in EPSG:3035 metres.

A cluster is a set of at least `min_points` sites, each within `distance` of
another of the set (DBSCAN's core points and their reach). Each is drawn as its
convex hull (a thin buffer where the sites are in a line), with its size, jobs
and dominant sectors.

Where hundreds of sites stand within each other's reach the clusters are found on a grid
first, up to six times faster than `ST_ClusterDBSCAN` at a million sites and with the same
result; elsewhere `ST_ClusterDBSCAN` is the faster (`docs/benchmarks.md`).
"""

import math
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


# The sites in EPSG:3035 with their cell of a square grid whose side is the distance over the
# square root of two, a hair less: any two sites of one cell are within the distance.
_POINTS = """
CREATE TEMP TABLE cl_points ON COMMIT DROP AS
SELECT s.id, s.sector_id, coalesce(s.employees, 0) AS jobs, g,
       floor(ST_X(g) / %(cell)s)::int AS i, floor(ST_Y(g) / %(cell)s)::int AS j
FROM (
  SELECT s.*, ST_Transform(s.geom, 3035) AS g FROM cities_site s WHERE {where}
) AS s
"""

# How many sites share a site's cell, on average over the sites: about a sixth of the
# neighbours each of DBSCAN's searches goes through.
_OCCUPANCY = """
SELECT coalesce(sum(n * n)::float8 / nullif(sum(n), 0), 0) AS occupancy
FROM (SELECT count(*) AS n FROM cl_points GROUP BY i, j) AS cells
"""

# Most cases: PostGIS's DBSCAN.
_DBSCAN = """
CREATE TEMP TABLE cl_sites ON COMMIT DROP AS
SELECT id, sector_id, jobs, g,
       ST_ClusterDBSCAN(g, eps => %(distance)s, minpoints => %(min_points)s) OVER () AS cluster
FROM cl_points
"""

# Crowded cells: the same clusters found on the grid (see `_grid_clusters`).
_GRID = (
    "CREATE INDEX ON cl_points USING gist (g)",
    "ANALYZE cl_points",
    # Core points: in a dense cell, or with min_points sites (itself included) within reach.
    """
    CREATE TEMP TABLE cl_core ON COMMIT DROP AS
    WITH cells AS (SELECT i, j, count(*) AS n FROM cl_points GROUP BY i, j)
    SELECT p.id, p.i, p.j, p.g FROM cl_points p JOIN cells c USING (i, j)
    WHERE c.n >= %(min_points)s
       OR (SELECT count(*) FROM (SELECT FROM cl_points q
                                 WHERE ST_DWithin(q.g, p.g, %(distance)s)
                                 LIMIT %(min_points)s) AS near) = %(min_points)s
    """,
    # Each cell's core points, and their hull to rule out distant pairs of cells cheaply.
    """
    CREATE TEMP TABLE cl_cells ON COMMIT DROP AS
    SELECT cell, i, j, points, ST_ConvexHull(points) AS hull FROM (
      SELECT row_number() OVER (ORDER BY i, j)::int AS cell, i, j, ST_Collect(g) AS points
      FROM cl_core GROUP BY i, j
    ) AS c
    """,
    "CREATE INDEX ON cl_cells (i, j)",
    "ANALYZE cl_cells",
    # Two cells are linked when a core point of one is within reach of a core point of the
    # other; only cells at most two apart can be (the side is the distance over root 2).
    """
    CREATE TEMP TABLE cl_links ON COMMIT DROP AS
    WITH pairs AS (
      SELECT a.cell AS a, b.cell AS b FROM cl_cells a
      JOIN cl_cells b ON b.i BETWEEN a.i - 2 AND a.i + 2 AND b.j BETWEEN a.j - 2 AND a.j + 2
       AND b.cell > a.cell
      WHERE ST_DWithin(a.hull, b.hull, %(distance)s)
        AND ST_DWithin(a.points, b.points, %(distance)s)
    )
    SELECT a, b FROM pairs UNION ALL SELECT b, a FROM pairs
    """,
    "CREATE INDEX ON cl_links (a)",
    "CREATE TEMP TABLE cl_label ON COMMIT DROP AS SELECT cell, cell AS label FROM cl_cells",
    "CREATE UNIQUE INDEX ON cl_label (cell)",
)

# Connected cells share the smallest label among them: each round takes the smallest of the
# neighbours' labels, then the label of the cell it names (which halves the rounds).
_HOP = """
UPDATE cl_label l SET label = n.label
FROM (SELECT k.a AS cell, min(x.label) AS label FROM cl_links k
      JOIN cl_label x ON x.cell = k.b GROUP BY k.a) AS n
WHERE l.cell = n.cell AND n.label < l.label
"""
_JUMP = """
UPDATE cl_label l SET label = t.label FROM cl_label t
WHERE t.cell = l.label AND t.label < l.label
"""

# A core point takes its cell's label; another site within reach of a core point takes the
# nearest one's (a border point near two clusters may join either, as in DBSCAN).
_GRID_SITES = (
    """
    CREATE TEMP TABLE cl_reach ON COMMIT DROP AS
    SELECT c.id, c.g, l.label FROM cl_core c
    JOIN cl_cells e ON e.i = c.i AND e.j = c.j JOIN cl_label l ON l.cell = e.cell
    """,
    "CREATE INDEX ON cl_reach USING gist (g)",
    "ANALYZE cl_reach",
    """
    CREATE TEMP TABLE cl_sites ON COMMIT DROP AS
    SELECT p.id, p.sector_id, p.jobs, p.g,
           coalesce(r.label, (SELECT n.label FROM cl_reach n
                              WHERE ST_DWithin(n.g, p.g, %(distance)s)
                              ORDER BY n.g <-> p.g LIMIT 1)) AS cluster
    FROM cl_points p LEFT JOIN cl_reach r ON r.id = p.id
    """,
)

# From this occupancy the grid is the faster. Measured at 1M sites in Brussels, DBSCAN
# against the grid end to end: 30 m and 10 sites (occupancy 26) 6.4 s against 18.6 s; 50 m
# and 3 (71) 9.1 s against 46 s; 100 m and 5 (270) 17 s against 9.9 s; 200 m and 20 (989)
# 46 s against 8 s. Below it, the grid's links between many small cells cost more than
# DBSCAN's short searches.
GRID_FROM_OCCUPANCY = 200


_CLUSTERS = """
CREATE TEMP TABLE cl_clusters ON COMMIT DROP AS
WITH sizes AS (
  SELECT cluster, count(*) AS sites, sum(jobs) AS jobs, ST_ConvexHull(ST_Collect(g)) AS hull
  FROM cl_sites WHERE cluster IS NOT NULL GROUP BY cluster
), sectors AS (
  SELECT cluster, sector_id, count(*) AS n,
         row_number() OVER (PARTITION BY cluster ORDER BY count(*) DESC, sector_id) AS rank
  FROM cl_sites WHERE cluster IS NOT NULL GROUP BY cluster, sector_id
), main_sectors AS (
  -- Joined, not a subquery per cluster: that ran the ranking again for each of thousands.
  SELECT s.cluster,
         jsonb_agg(jsonb_build_object('sector', s.sector_id, 'name', sec.name, 'sites', s.n)
                   ORDER BY s.rank) AS sectors
  FROM sectors s JOIN cities_sector sec ON sec.code = s.sector_id
  WHERE s.rank <= 3 GROUP BY s.cluster
)
SELECT row_number() OVER (ORDER BY z.sites DESC, z.cluster) AS number, z.sites, z.jobs,
       CASE WHEN ST_Dimension(z.hull) = 2 THEN z.hull ELSE ST_Buffer(z.hull, 25) END AS hull,
       m.sectors
FROM sizes z LEFT JOIN main_sectors m USING (cluster)
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


def _grid_clusters(run: Run, params: dict) -> None:
    """DBSCAN's clusters, found cell by cell where cells are crowded.

    `ST_ClusterDBSCAN` searches every site's neighbourhood; where a neighbourhood holds
    hundreds of sites that is most of its time. On the grid, a cell with `min_points`
    sites is all core points with no search, the core points of a cell are one cluster,
    and cells are joined when two of their core points are within reach: the same
    clusters (a test compares them with `ST_ClusterDBSCAN`), from a few thousand cells.
    """
    for statement in _GRID:
        run.sql(statement, params)
    run.step(40, _("Joining the clusters across the grid"))
    changed = True
    while changed:
        run.sql(_HOP)
        changed = run.cursor.rowcount > 0
        run.sql(_JUMP)
    run.step(60, _("Placing the sites at the edge of a cluster"))
    for statement in _GRID_SITES:
        run.sql(statement, params)


def compute(run: Run) -> dict[str, Any]:
    where, values = sites_where(run.params)
    params = {"distance": run.params["distance"], "min_points": run.params["min_points"], **values}
    params["cell"] = run.params["distance"] / math.sqrt(2) * (1 - 1e-9)
    run.step(10, _("Finding clusters among the sites (DBSCAN)"))
    run.sql(_POINTS.format(where=where), params)
    if run.one(_OCCUPANCY)["occupancy"] >= GRID_FROM_OCCUPANCY:
        _grid_clusters(run, params)
    else:
        run.sql(_DBSCAN, params)
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
