"""Access to transport: the share of sites and jobs within a distance of a context layer.

Distances are measured in EPSG:3035 metres, from each site to the nearest
feature of the chosen context layer (for example railway stations), through a
GiST index on the layer's transformed geometries.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities.analyses.base import (
    AnalysisForm,
    AnalysisKind,
    Chart,
    Column,
    ResultLayer,
    Run,
    Table,
    register_analysis,
)
from cities.analyses.inputs import (
    SectorsField,
    SiteYearField,
    check_sites_exist,
    context_layer_field,
    sites_where,
)
from cities.jobs import JobFailed


class AccessForm(AnalysisForm):
    distance = forms.IntegerField(
        label=gettext_lazy("Distance (m)"),
        min_value=100,
        max_value=5000,
        initial=800,
        help_text=gettext_lazy(
            "As the crow flies, from 100 m to 5,000 m (800 m: a ten-minute walk)."
        ),
    )
    sectors = SectorsField()
    year = SiteYearField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["layer"] = context_layer_field(self.city)
        self.order_fields(["layer", "distance"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.fields["layer"].queryset.exists():
            raise forms.ValidationError(
                _("%(city)s has no context layer (such as railway stations) to measure from: "
                  "import one first.") % {"city": self.city.name}
            )  # fmt: skip
        if not self.errors:
            check_sites_exist(self, cleaned)
        return cleaned

    def params(self) -> dict[str, Any]:
        params = super().params()
        params["layer"] = params["layer"].slug
        return params


_STOPS = """
CREATE TEMP TABLE ac_stops ON COMMIT DROP AS
SELECT ST_Transform(f.geom, 3035) AS g
FROM cities_contextfeature f JOIN cities_contextlayer l ON l.id = f.layer_id
WHERE l.city_id = %(city)s AND l.slug = %(layer)s
"""

_SITES = """
CREATE TEMP TABLE ac_sites ON COMMIT DROP AS
SELECT s.id, coalesce(s.employees, 0) AS jobs, n.distance,
       n.distance <= %(distance)s AS near,
       (SELECT d.id FROM cities_district d
        WHERE d.city_id = %(city)s AND ST_Intersects(d.geom, s.geom) LIMIT 1) AS district
FROM (SELECT s.id, s.employees, s.geom, ST_Transform(s.geom, 3035) AS g
      FROM cities_site s WHERE {where}) AS s
CROSS JOIN LATERAL (
  SELECT ST_Distance(s.g, t.g) AS distance FROM ac_stops t ORDER BY s.g <-> t.g LIMIT 1
) AS n
"""

_FEATURES = """
INSERT INTO cities_analysissite (analysis_id, layer, site_id, properties)
SELECT %(analysis)s, 'beyond', s.id,
       jsonb_build_object('district', d.name, 'distance_m', round(s.distance::numeric))
FROM ac_sites s LEFT JOIN cities_district d ON d.id = s.district
WHERE NOT s.near
ORDER BY s.id
"""

_BY_DISTRICT = """
SELECT coalesce(d.name, %(outside)s) AS district, count(*) AS sites,
       count(*) FILTER (WHERE s.near) AS sites_near,
       round(100.0 * count(*) FILTER (WHERE s.near) / count(*), 1)::float8 AS sites_pct,
       sum(s.jobs) AS jobs, sum(s.jobs) FILTER (WHERE s.near) AS jobs_near,
       round(100.0 * coalesce(sum(s.jobs) FILTER (WHERE s.near), 0)
             / nullif(sum(s.jobs), 0), 1)::float8 AS jobs_pct
FROM ac_sites s LEFT JOIN cities_district d ON d.id = s.district
GROUP BY d.name
ORDER BY d.name NULLS LAST
"""

_TOTALS = """
SELECT count(*) AS sites, count(*) FILTER (WHERE near) AS sites_near,
       round(100.0 * count(*) FILTER (WHERE near) / nullif(count(*), 0), 1)::float8 AS sites_pct,
       sum(jobs) AS jobs, coalesce(sum(jobs) FILTER (WHERE near), 0) AS jobs_near,
       round(100.0 * coalesce(sum(jobs) FILTER (WHERE near), 0)
             / nullif(sum(jobs), 0), 1)::float8 AS jobs_pct,
       (SELECT count(*) FROM ac_stops) AS stops
FROM ac_sites
"""


def compute(run: Run) -> dict[str, Any]:
    where, values = sites_where(run.params)
    params = {"distance": run.params["distance"], "layer": run.params["layer"], **values}
    run.step(10, _("Reading the transport layer"))
    run.sql(_STOPS, params)
    run.sql("CREATE INDEX ON ac_stops USING gist (g)")
    run.sql("ANALYZE ac_stops")
    if not run.one("SELECT count(*) AS n FROM ac_stops")["n"]:
        raise JobFailed(_("The layer %(layer)s of %(city)s has no features.") % {
            "layer": run.params["layer"], "city": run.city.name
        })  # fmt: skip
    run.step(25, _("Measuring each site's distance to the nearest feature"))
    run.sql(_SITES.format(where=where), params)
    run.step(75, _("Drawing the sites beyond %(m)s m") % {"m": run.params["distance"]})
    totals = run.one(_TOTALS)
    if not totals.get("sites"):
        raise JobFailed(_("No manufacturing site of %(city)s matches these choices.") % {
            "city": run.city.name
        })  # fmt: skip
    run.sql(_FEATURES)
    run.step(90, _("Adding up by district"))
    totals["jobs"] = totals["jobs"] or 0
    rows = run.rows(_BY_DISTRICT, {"outside": _("Outside the districts")})
    for row in rows:
        row["jobs_near"] = row["jobs_near"] or 0
    return {"totals": totals, "tables": {"districts": rows}}


ACCESS = register_analysis(
    AnalysisKind(
        position=4,
        slug="transport-access",
        title=gettext_lazy("Access to transport"),
        question=gettext_lazy(
            "Which share of the firms and their jobs lies within walking distance "
            "of public transport, and which firms are far from it?"
        ),
        form=AccessForm,
        inputs=("sites", "context", "districts"),
        compute=compute,
        totals=(
            Column("sites", gettext_lazy("Sites"), "integer"),
            Column("sites_near", gettext_lazy("Sites within the distance"), "integer"),
            Column("sites_pct", gettext_lazy("Share of sites within the distance"), "percent"),
            Column("jobs", gettext_lazy("Jobs"), "integer"),
            Column("jobs_near", gettext_lazy("Jobs within the distance"), "integer"),
            Column("jobs_pct", gettext_lazy("Share of jobs within the distance"), "percent"),
            Column("stops", gettext_lazy("Features of the transport layer"), "integer"),
        ),
        tables=(
            Table(
                "districts",
                gettext_lazy("By district"),
                (
                    Column("district", gettext_lazy("District"), "text"),
                    Column("sites", gettext_lazy("Sites"), "integer"),
                    Column("sites_near", gettext_lazy("Sites within"), "integer"),
                    Column("sites_pct", gettext_lazy("Share of sites"), "percent"),
                    Column("jobs", gettext_lazy("Jobs"), "integer"),
                    Column("jobs_near", gettext_lazy("Jobs within"), "integer"),
                    Column("jobs_pct", gettext_lazy("Share of jobs"), "percent"),
                ),
            ),
        ),
        layers=(
            ResultLayer(
                "beyond",
                gettext_lazy("Sites beyond the distance"),
                "#c62828",
                "point",
                sites=True,
            ),
        ),
        chart=Chart(
            table="districts",
            label="district",
            series=(
                ("sites_pct", gettext_lazy("Share of sites within the distance (%)"), "#1d4f91"),
            ),
        ),
    )
)
