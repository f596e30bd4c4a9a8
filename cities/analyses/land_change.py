"""Industrial land change between two reference years, per district and for the city.

Land is compared category by category, in EPSG:3035 (equal-area, so areas are
exact): land of a zoning category in the earlier year and not in the later one is
lost, land of a category only in the later year is gained, the overlap is kept.
Lost land that the later year zones under another category "became" that
category; the rest left industrial zoning ("none"). So the earlier year's area is
lost + kept and the later year's is gained + kept.
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


class LandChangeForm(ZoneYearsMixin, AnalysisForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_zone_years()

    def clean(self) -> dict:
        cleaned = super().clean()
        self.clean_zone_years(cleaned)
        return cleaned


# Each category's land of each year, merged (zones of one category may overlap).
_MERGE = f"""
CREATE TEMP TABLE lc_zones ON COMMIT DROP AS
SELECT z.reference_year AS year, z.category_id AS category,
       ST_Union(ST_Transform(z.geom, 3035)) AS g
FROM cities_landzone z
WHERE z.city_id = %(city)s AND z.reference_year IN (%(year_from)s, %(year_to)s)
  AND {embargo_clause("z.dataset_id")}
GROUP BY 1, 2
"""  # noqa: S608

# Lost (split by what it became), gained and kept, for the whole city.
_COMPARE = """
CREATE TEMP TABLE lc_pieces ON COMMIT DROP AS
WITH a AS (SELECT category, g FROM lc_zones WHERE year = %(year_from)s),
     b AS (SELECT category, g FROM lc_zones WHERE year = %(year_to)s),
     b_all AS (SELECT ST_Union(g) AS g FROM b),
     lost AS (
       SELECT a.category, CASE WHEN b.g IS NULL THEN a.g ELSE ST_Difference(a.g, b.g) END AS g
       FROM a LEFT JOIN b USING (category)
     )
SELECT 'lost'::text AS change, l.category, o.category AS became, ST_Intersection(l.g, o.g) AS g
FROM lost l JOIN b o ON o.category <> l.category AND ST_Intersects(l.g, o.g)
UNION ALL
SELECT 'lost', l.category, NULL,
       CASE WHEN b_all.g IS NULL THEN l.g ELSE ST_Difference(l.g, b_all.g) END
FROM lost l CROSS JOIN b_all
UNION ALL
SELECT 'gained', b.category, NULL,
       CASE WHEN a.g IS NULL THEN b.g ELSE ST_Difference(b.g, a.g) END
FROM b LEFT JOIN a USING (category)
UNION ALL
SELECT 'kept', a.category, NULL, ST_Intersection(a.g, b.g)
FROM a JOIN b USING (category)
"""

# Each piece cut by the districts; what lies outside every district is kept apart.
_SPLIT = """
CREATE TEMP TABLE lc_district_pieces ON COMMIT DROP AS
WITH districts AS (
  SELECT id, name, ST_Transform(geom, 3035) AS g FROM cities_district WHERE city_id = %(city)s
), pieces AS (
  SELECT change, category, became, ST_CollectionExtract(g, 3) AS g FROM lc_pieces
  WHERE NOT ST_IsEmpty(g)
)
SELECT p.change, p.category, p.became, d.id AS district, d.name AS district_name,
       ST_CollectionExtract(ST_Intersection(p.g, d.g), 3) AS g
FROM pieces p JOIN districts d ON ST_Intersects(p.g, d.g)
UNION ALL
SELECT p.change, p.category, p.became, NULL, NULL,
       ST_CollectionExtract(ST_Difference(p.g, (SELECT ST_Union(g) FROM districts)), 3)
FROM pieces p
WHERE EXISTS (SELECT 1 FROM districts)
UNION ALL
SELECT p.change, p.category, p.became, NULL, NULL, p.g
FROM pieces p
WHERE NOT EXISTS (SELECT 1 FROM districts)
"""

# Slivers below a square metre are rounding, not land.
_FEATURES = """
INSERT INTO cities_analysisfeature (analysis_id, layer, properties, geom)
SELECT %(analysis)s, p.change,
       jsonb_build_object(
         'district', p.district_name,
         'category', c.code, 'category_name', c.name,
         'became', b.code, 'became_name', b.name,
         'area_ha', round((ST_Area(p.g) / 1e4)::numeric, 3)
       ),
       ST_Multi(ST_Transform(p.g, 4326))
FROM lc_district_pieces p
JOIN cities_zoningcategory c ON c.id = p.category
LEFT JOIN cities_zoningcategory b ON b.id = p.became
WHERE p.change IN ('lost', 'gained') AND ST_Area(p.g) >= 1
ORDER BY p.change, p.district_name, c.code
"""

_BY_DISTRICT = """
SELECT coalesce(district_name, %(outside)s) AS district,
       sum(ST_Area(g)) FILTER (WHERE change = 'lost') / 1e4 AS lost_ha,
       sum(ST_Area(g)) FILTER (WHERE change = 'gained') / 1e4 AS gained_ha,
       sum(ST_Area(g)) FILTER (WHERE change = 'kept') / 1e4 AS kept_ha
FROM lc_district_pieces
GROUP BY district_name
HAVING sum(ST_Area(g)) >= 1
ORDER BY district_name NULLS LAST
"""

_CITY = """
SELECT coalesce(sum(ST_Area(g)) FILTER (WHERE change = 'lost'), 0) / 1e4 AS lost_ha,
       coalesce(sum(ST_Area(g)) FILTER (WHERE change = 'gained'), 0) / 1e4 AS gained_ha,
       coalesce(sum(ST_Area(g)) FILTER (WHERE change = 'kept'), 0) / 1e4 AS kept_ha
FROM lc_pieces
"""

_BECAME = """
SELECT c.code || ' ' || c.name AS category,
       coalesce(b.code || ' ' || b.name, %(none)s) AS became,
       sum(ST_Area(p.g)) / 1e4 AS area_ha
FROM lc_pieces p
JOIN cities_zoningcategory c ON c.id = p.category
LEFT JOIN cities_zoningcategory b ON b.id = p.became
WHERE p.change = 'lost'
GROUP BY 1, 2
HAVING sum(ST_Area(p.g)) >= 50
ORDER BY 3 DESC
"""


def _change_pct(before: float, after: float) -> float | None:
    return round(100 * (after - before) / before, 2) if before else None


def compute(run: Run) -> dict[str, Any]:
    years = {"year_from": run.params["year_from"], "year_to": run.params["year_to"]}
    run.step(10, _("Merging the land zones of %(a)s and %(b)s") % {
        "a": years["year_from"], "b": years["year_to"]
    })  # fmt: skip
    run.sql(_MERGE, years)
    present = {r["year"] for r in run.rows("SELECT DISTINCT year FROM lc_zones")}
    missing = sorted(set(years.values()) - present)
    if missing:
        raise JobFailed(
            _("%(city)s has no industrial land data for %(years)s.")
            % {"city": run.city.name, "years": ", ".join(map(str, missing))}
        )
    run.step(35, _("Comparing the two years, category by category"))
    run.sql(_COMPARE, years)
    run.step(60, _("Splitting the changes by district"))
    run.sql(_SPLIT)
    run.step(80, _("Drawing the land lost and gained"))
    run.sql(_FEATURES)
    districts = run.rows(_BY_DISTRICT, {"outside": _("Outside the districts")})
    for row in districts:
        for key in ("lost_ha", "gained_ha", "kept_ha"):
            row[key] = round(row[key] or 0, 3)
        before = row["lost_ha"] + row["kept_ha"]
        row["change_pct"] = _change_pct(before, row["gained_ha"] + row["kept_ha"])
    city = {k: round(v, 3) for k, v in run.one(_CITY).items()}
    before, after = city["lost_ha"] + city["kept_ha"], city["gained_ha"] + city["kept_ha"]
    city["before_ha"], city["after_ha"] = round(before, 3), round(after, 3)
    city["change_pct"] = _change_pct(before, after)
    became = run.rows(_BECAME, {"none": _("No longer industrial land")})
    for row in became:
        row["area_ha"] = round(row["area_ha"], 3)
    return {"totals": city, "tables": {"districts": districts, "became": became}}


HECTARES = "hectares"

LAND_CHANGE = register_analysis(
    AnalysisKind(
        position=1,
        slug="land-change",
        title=gettext_lazy("Industrial land change"),
        question=gettext_lazy(
            "Where did industrial land go between two years, district by district, "
            "and what became of it?"
        ),
        form=LandChangeForm,
        inputs=("zones", "districts"),
        compute=compute,
        totals=(
            Column("before_ha", gettext_lazy("Industrial land, earlier year (ha)"), HECTARES),
            Column("after_ha", gettext_lazy("Industrial land, later year (ha)"), HECTARES),
            Column("lost_ha", gettext_lazy("Hectares lost"), HECTARES),
            Column("gained_ha", gettext_lazy("Hectares gained"), HECTARES),
            Column("kept_ha", gettext_lazy("Hectares kept"), HECTARES),
            Column("change_pct", gettext_lazy("Change"), "percent"),
        ),
        tables=(
            Table(
                "districts",
                gettext_lazy("By district"),
                (
                    Column("district", gettext_lazy("District"), "text"),
                    Column("lost_ha", gettext_lazy("Lost (ha)"), HECTARES),
                    Column("gained_ha", gettext_lazy("Gained (ha)"), HECTARES),
                    Column("kept_ha", gettext_lazy("Kept (ha)"), HECTARES),
                    Column("change_pct", gettext_lazy("Change"), "percent"),
                ),
            ),
            Table(
                "became",
                gettext_lazy("What the lost land became"),
                (
                    Column("category", gettext_lazy("Zoning in the earlier year"), "text"),
                    Column("became", gettext_lazy("In the later year"), "text"),
                    Column("area_ha", gettext_lazy("Hectares"), HECTARES),
                ),
            ),
        ),
        layers=(
            ResultLayer("lost", gettext_lazy("Industrial land lost"), "#c62828"),
            ResultLayer("gained", gettext_lazy("Industrial land gained"), "#2e7d32"),
        ),
        chart=Chart(
            table="districts",
            label="district",
            series=(
                ("lost_ha", gettext_lazy("Lost (ha)"), "#c62828"),
                ("gained_ha", gettext_lazy("Gained (ha)"), "#2e7d32"),
            ),
        ),
    )
)
