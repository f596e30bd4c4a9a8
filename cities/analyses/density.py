"""Density of manufacturing on a hexagonal grid: sites, jobs or floor area per cell.

Each site is put in its hexagon by arithmetic, not by a spatial join with a grid
(`ST_HexagonGrid` and `ST_Intersects`): the hexagons of PostGIS's grid (flat
topped, side `size`, column i centred at x = 1.5·size·i, odd columns raised by
half a height) are the Voronoi cells of their centres, so a site's hexagon is
the nearer of two candidate centres, one in each column around it. That reads
every site once, counts a site on an edge once (the join would count it twice),
and builds a hexagon only for cells that hold sites (`ST_Hexagon`).
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

MEASURES = {
    "sites": ("count(*)", gettext_lazy("Sites")),
    "jobs": ("coalesce(sum(employees), 0)", gettext_lazy("Jobs")),
    "floor_area": ("coalesce(sum(floor_area_m2), 0)", gettext_lazy("Floor area (m²)")),
}


class DensityForm(AnalysisForm):
    cell_size = forms.IntegerField(
        label=gettext_lazy("Hexagon size (m)"),
        min_value=250,
        max_value=2000,
        initial=500,
        help_text=gettext_lazy("The length of a hexagon's side, from 250 m to 2,000 m."),
    )
    measure = forms.ChoiceField(
        label=gettext_lazy("Count"),
        choices=[(k, v[1]) for k, v in MEASURES.items()],
        initial="sites",
    )
    sectors = SectorsField()
    year = SiteYearField()

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors:
            check_sites_exist(self, cleaned)
        return cleaned


# The hexagon (i, j) of every site, its cell's totals, and the hexagon itself.
_CELLS = """
CREATE TEMP TABLE dn_cells ON COMMIT DROP AS
WITH pts AS MATERIALIZED (  -- each point transformed once, not in every expression below
  SELECT ST_X(g) AS x, ST_Y(g) AS y, employees, floor_area_m2
  FROM (
    SELECT ST_Transform(s.geom, 3035) AS g, s.employees, s.floor_area_m2
    FROM cities_site s WHERE {where}
  ) AS t
), columns AS (
  SELECT p.*, floor(x / (1.5 * %(size)s))::int AS i0 FROM pts p
), candidates AS (
  SELECT c.*, i0 + 1 AS i1,
         round((y - CASE WHEN i0 %% 2 <> 0 THEN %(h)s / 2 ELSE 0 END) / %(h)s)::int AS j0,
         round((y - CASE WHEN (i0 + 1) %% 2 <> 0 THEN %(h)s / 2 ELSE 0 END) / %(h)s)::int AS j1
  FROM columns c
), nearest AS (
  SELECT *,
         (x - 1.5 * %(size)s * i0) ^ 2
           + (y - %(h)s * j0 - CASE WHEN i0 %% 2 <> 0 THEN %(h)s / 2 ELSE 0 END) ^ 2 AS d0,
         (x - 1.5 * %(size)s * i1) ^ 2
           + (y - %(h)s * j1 - CASE WHEN i1 %% 2 <> 0 THEN %(h)s / 2 ELSE 0 END) ^ 2 AS d1
  FROM candidates
)
SELECT CASE WHEN d0 <= d1 THEN i0 ELSE i1 END AS i,
       CASE WHEN d0 <= d1 THEN j0 ELSE j1 END AS j,
       count(*) AS sites, coalesce(sum(employees), 0) AS jobs,
       coalesce(sum(floor_area_m2), 0) AS floor_area_m2
FROM nearest
GROUP BY 1, 2
"""

_FEATURES = """
INSERT INTO cities_analysisfeature (analysis_id, layer, properties, geom)
SELECT %(analysis)s, 'cells',
       jsonb_build_object('value', {value}, 'sites', sites, 'jobs', jobs,
                          'floor_area_m2', floor_area_m2, 'i', i, 'j', j),
       ST_Transform(ST_SetSRID(ST_Hexagon(%(size)s, i, j), 3035), 4326)
FROM dn_cells
ORDER BY i, j
"""

_SUMMARY = """
SELECT count(*) AS cells, sum(sites) AS sites, sum(jobs) AS jobs,
       sum(floor_area_m2) AS floor_area_m2, max({value}) AS max_value,
       percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY {value}) AS breaks
FROM dn_cells
"""

# The densest cells, each named by the district that covers most of it.
_TOP = """
SELECT coalesce(d.name, %(outside)s) AS district, c.{value} AS value, c.sites, c.jobs,
       c.floor_area_m2,
       round(ST_Y(ST_Transform(ST_Centroid(h), 4326))::numeric, 5)::float8 AS lat,
       round(ST_X(ST_Transform(ST_Centroid(h), 4326))::numeric, 5)::float8 AS lon
FROM (
  SELECT *, ST_SetSRID(ST_Hexagon(%(size)s, i, j), 3035) AS h FROM dn_cells
  ORDER BY {value} DESC, i, j LIMIT 10
) AS c
LEFT JOIN LATERAL (
  SELECT name FROM cities_district
  WHERE city_id = %(city)s AND ST_Intersects(geom, ST_Transform(c.h, 4326))
  ORDER BY ST_Area(ST_Intersection(geom, ST_Transform(c.h, 4326))) DESC, name
  LIMIT 1
) AS d ON true
ORDER BY c.{value} DESC, c.i, c.j
"""

_VALUE = {"sites": "sites", "jobs": "jobs", "floor_area": "floor_area_m2"}


def compute(run: Run) -> dict[str, Any]:
    size = run.params["cell_size"]
    value = _VALUE[run.params["measure"]]
    where, values = sites_where(run.params)
    grid = {"size": size, "h": size * 3**0.5, **values}
    run.step(10, _("Putting every site in its hexagon"))
    run.sql(_CELLS.format(where=where), grid)
    run.step(60, _("Drawing the hexagons"))
    summary = run.one(_SUMMARY.format(value=value))
    if not summary.get("cells"):
        raise_no_sites(run)
    run.sql(_FEATURES.format(value=value), grid)
    run.step(85, _("Finding the densest cells"))
    top = run.rows(_TOP.format(value=value), {**grid, "outside": _("Outside the districts")})
    hexagon_ha = 1.5 * 3**0.5 * size**2 / 1e4
    totals = {
        "cells": summary["cells"],
        "sites": summary["sites"],
        "jobs": summary["jobs"],
        "floor_area_m2": summary["floor_area_m2"],
        "max_value": summary["max_value"],
        "cell_ha": round(hexagon_ha, 2),
    }
    return {
        "totals": totals,
        "tables": {"densest": top},
        "breaks": [float(b) for b in summary["breaks"] or []],
    }


def raise_no_sites(run: Run) -> None:
    raise JobFailed(_("No manufacturing site of %(city)s matches these choices.") % {
        "city": run.city.name
    })  # fmt: skip


DENSITY = register_analysis(
    AnalysisKind(
        position=2,
        slug="density",
        title=gettext_lazy("Density of manufacturing"),
        question=gettext_lazy(
            "Where is manufacturing dense: how many sites, jobs or square metres "
            "are in each hexagon of the city?"
        ),
        form=DensityForm,
        inputs=("sites", "districts"),
        compute=compute,
        totals=(
            Column("sites", gettext_lazy("Sites counted"), "integer"),
            Column("jobs", gettext_lazy("Jobs counted"), "integer"),
            Column("cells", gettext_lazy("Hexagons with sites"), "integer"),
            Column("max_value", gettext_lazy("Densest hexagon"), "number"),
            Column("cell_ha", gettext_lazy("Area of a hexagon (ha)"), "hectares"),
        ),
        tables=(
            Table(
                "densest",
                gettext_lazy("The ten densest hexagons"),
                (
                    Column("district", gettext_lazy("District"), "text"),
                    Column("value", gettext_lazy("Value"), "number"),
                    Column("sites", gettext_lazy("Sites"), "integer"),
                    Column("jobs", gettext_lazy("Jobs"), "integer"),
                    Column("floor_area_m2", gettext_lazy("Floor area (m²)"), "integer"),
                    Column("lat", gettext_lazy("Latitude"), "number"),
                    Column("lon", gettext_lazy("Longitude"), "number"),
                ),
            ),
        ),
        layers=(ResultLayer("cells", gettext_lazy("Hexagons"), "#08519c", graduated=True),),
    )
)
