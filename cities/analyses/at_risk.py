"""Sites at risk: open sites on land that was industrial in one year and is not in a later one.

A site stands on a zone when its point lies in the zone's polygon (a test that
does not depend on the projection at these scales); the zones are read through
their GiST index.
"""

from typing import Any

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
from cities.analyses.inputs import ZoneYearsMixin
from cities.jobs import JobFailed
from cities.visibility import embargo_clause


class AtRiskForm(ZoneYearsMixin, AnalysisForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_zone_years()

    def clean(self) -> dict:
        cleaned = super().clean()
        self.clean_zone_years(cleaned)
        return cleaned


_AT_RISK = f"""
CREATE TEMP TABLE ar_sites ON COMMIT DROP AS
SELECT s.id, coalesce(s.employees, 0) AS jobs, was.category,
       (SELECT d.id FROM cities_district d
        WHERE d.city_id = %(city)s AND ST_Intersects(d.geom, s.geom) LIMIT 1) AS district
FROM cities_site s
CROSS JOIN LATERAL (
  SELECT c.code || ' ' || c.name AS category
  FROM cities_landzone z JOIN cities_zoningcategory c ON c.id = z.category_id
  WHERE z.city_id = %(city)s AND z.reference_year = %(year_from)s
    AND ST_Intersects(z.geom, s.geom) AND {embargo_clause("z.dataset_id")}
  ORDER BY c.code LIMIT 1
) AS was
WHERE s.city_id = %(city)s AND s.year_closed IS NULL AND {embargo_clause("s.dataset_id")}
  AND NOT EXISTS (
    SELECT 1 FROM cities_landzone z
    WHERE z.city_id = %(city)s AND z.reference_year = %(year_to)s AND ST_Intersects(z.geom, s.geom)
      AND {embargo_clause("z.dataset_id")}
  )
"""  # noqa: S608 (fixed clauses)

_FEATURES = """
INSERT INTO cities_analysissite (analysis_id, layer, site_id, properties)
SELECT %(analysis)s, 'at_risk', s.id,
       jsonb_build_object('district', d.name, 'category', s.category)
FROM ar_sites s LEFT JOIN cities_district d ON d.id = s.district
ORDER BY s.id
"""

_BY_DISTRICT = """
SELECT coalesce(d.name, %(outside)s) AS district, count(*) AS sites, sum(s.jobs) AS jobs
FROM ar_sites s LEFT JOIN cities_district d ON d.id = s.district
GROUP BY d.name
ORDER BY count(*) DESC, d.name NULLS LAST
"""

_TOTALS = f"""
SELECT count(*) AS sites, coalesce(sum(jobs), 0) AS jobs,
       (SELECT count(*) FROM cities_site s
        WHERE s.city_id = %(city)s AND s.year_closed IS NULL
          AND {embargo_clause("s.dataset_id")}) AS open_sites
FROM ar_sites
"""  # noqa: S608


def compute(run: Run) -> dict[str, Any]:
    years = {"year_from": run.params["year_from"], "year_to": run.params["year_to"]}
    run.step(10, _("Checking the land data of both years"))
    found = run.rows(
        "SELECT DISTINCT reference_year AS year FROM cities_landzone"
        " WHERE city_id = %(city)s AND reference_year IN (%(year_from)s, %(year_to)s)",
        years,
    )
    missing = sorted(set(years.values()) - {r["year"] for r in found})
    if missing:
        raise JobFailed(_("%(city)s has no industrial land data for %(years)s.") % {
            "city": run.city.name, "years": ", ".join(map(str, missing))
        })  # fmt: skip
    run.step(20, _("Finding the open sites on land no longer zoned for industry"))
    run.sql(_AT_RISK, years)
    run.step(80, _("Drawing the sites at risk"))
    run.sql(_FEATURES)
    totals = run.one(_TOTALS)
    totals["share_pct"] = (
        round(100 * totals["sites"] / totals["open_sites"], 1) if totals["open_sites"] else None
    )
    rows = run.rows(_BY_DISTRICT, {"outside": _("Outside the districts")})
    return {"totals": totals, "tables": {"districts": rows}}


AT_RISK = register_analysis(
    AnalysisKind(
        position=5,
        slug="sites-at-risk",
        title=gettext_lazy("Sites at risk"),
        question=gettext_lazy(
            "Which open firms stand on land that was zoned for industry and no "
            "longer is, and so risk being displaced?"
        ),
        form=AtRiskForm,
        inputs=("sites", "zones", "districts"),
        compute=compute,
        totals=(
            Column("sites", gettext_lazy("Sites at risk"), "integer"),
            Column("jobs", gettext_lazy("Jobs at risk"), "integer"),
            Column("open_sites", gettext_lazy("Open sites in the city"), "integer"),
            Column("share_pct", gettext_lazy("Share of open sites"), "percent"),
        ),
        tables=(
            Table(
                "districts",
                gettext_lazy("By district"),
                (
                    Column("district", gettext_lazy("District"), "text"),
                    Column("sites", gettext_lazy("Sites at risk"), "integer"),
                    Column("jobs", gettext_lazy("Jobs at risk"), "integer"),
                ),
            ),
        ),
        layers=(
            ResultLayer("at_risk", gettext_lazy("Sites at risk"), "#b71c1c", "point", sites=True),
        ),
        chart=Chart(
            table="districts",
            label="district",
            series=(("jobs", gettext_lazy("Jobs at risk"), "#b71c1c"),),
        ),
    )
)
