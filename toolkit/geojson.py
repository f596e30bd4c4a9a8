"""Case studies as a layer of the catalogue (cities/layers.py): on the city maps and in exports."""

from django.utils.translation import gettext_lazy as _

from cities.layers import Field, Layer, LayerFilters, Where


def _case_studies(filters: LayerFilters) -> tuple[str, dict]:
    where = Where().add("c.status = 'published'").add("c.location IS NOT NULL")
    where.common(filters, city="c.city_id", geom="c.location")
    sql = f"""
        SELECT c.id, c.slug, COALESCE(NULLIF(c.title_en, ''), c.title) AS name,
               '/case-studies/' || c.slug || '/' AS url, c.location AS geom
        FROM toolkit_casestudy c
        {where.sql}
    """  # noqa: S608 (fixed clauses; values are parameters)
    return sql, where.params


CASE_STUDIES = Layer(
    slug="case-studies",
    name=_("Case studies"),
    description=_("Where the toolkit's case studies took place."),
    geometry_type="Point",
    fields=(
        Field("slug", "string", _("identifier")),
        Field("name", "string", _("title")),
        Field("url", "string", _("page")),
    ),
    rows=_case_studies,
    licence="CC-BY-4.0",
    attribution=_("Cities of Making portal"),
)
