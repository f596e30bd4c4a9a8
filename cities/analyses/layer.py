"""Published analysis results in the layer catalogue: each layer of each published result
(the lost land of analysis 12, its far sites, ...) is a part, so /ogc/ serves it as a
collection of its own (`analysis-12-lost`) and GDAL or QGIS read it like any layer.

A part's features are either its own (`cities_analysisfeature`) or a selection of the
city's sites (`cities_analysissite`, whose geometry, name and sector are the site's).
A part is one or the other, so its ids (the feature's, or the site's) are unique in it.
Each feature names a dataset, for its licence and synthetic label: a site's own, or for
a computed feature the city's (the analyses run on one city's data).
Unpublished results are in no part: they are their requester's and staff's alone.
"""

from django.utils.translation import gettext_lazy as _

from cities.analyses.base import get_kind
from cities.layers import Field, Layer, LayerFilters, Where, register_layer
from cities.models import Analysis, Job

SLUG = "analysis"

_COLUMNS = """a.id AS analysis, a.kind, c.slug AS city, {layer} AS layer"""


def _rows(filters: LayerFilters) -> tuple[str, dict]:
    analysis, _sep, key = (filters.part or "").partition("-")
    own = Where().common(filters, city="a.city_id", geom="f.geom")
    sites = Where().common(filters, city="a.city_id", geom="s.geom", dataset="s.dataset_id")
    if not analysis.isdecimal() or not key:
        own.add("false")
        sites.add("false")
    else:
        own.add(
            "f.analysis_id = %(analysis)s AND f.layer = %(key)s", analysis=int(analysis), key=key
        )
        sites.add("x.analysis_id = %(analysis)s AND x.layer = %(key)s")
    sql = f"""
        SELECT f.id, {_COLUMNS.format(layer="f.layer")}, f.properties->>'name' AS name,
               NULL::int AS sector, NULL::int AS employees, f.properties, cd.slug AS dataset,
               f.geom
        FROM cities_analysisfeature f
        JOIN cities_analysis a ON a.id = f.analysis_id AND a.published_at IS NOT NULL
        JOIN cities_city c ON c.id = a.city_id
        JOIN cities_dataset cd ON cd.id = c.dataset_id
        {own.sql}
        UNION ALL
        SELECT s.id, {_COLUMNS.format(layer="x.layer")}, s.name, s.sector_id, s.employees,
               x.properties, sd.slug, s.geom
        FROM cities_analysissite x
        JOIN cities_site s ON s.id = x.site_id
        JOIN cities_dataset sd ON sd.id = s.dataset_id
        JOIN cities_analysis a ON a.id = x.analysis_id AND a.published_at IS NOT NULL
        JOIN cities_city c ON c.id = a.city_id
        {sites.sql}
    """  # noqa: S608 (clauses are fixed text; values are parameters)
    return sql, {**sites.params, **own.params}


def _parts() -> list[tuple[str, str]]:
    """Each layer of each published result, newest result first."""
    found = []
    published = (
        Analysis.objects.filter(
            published_at__isnull=False, feature_count__gt=0, job__status=Job.Status.SUCCEEDED
        )
        .select_related("city")
        .only("pk", "kind", "city__name", "summary")
        .order_by("-published_at", "-pk")
    )
    for analysis in published:
        kind = get_kind(analysis.kind)
        if kind is None:
            continue
        counts = (analysis.summary or {}).get("layer_counts")
        for layer in kind.layers:
            if counts is not None and not counts.get(layer.key):
                continue  # a layer the run left empty is no collection
            title = f"{kind.title} #{analysis.pk}, {analysis.city.name}: {layer.label}"
            found.append((f"{analysis.pk}-{layer.key}", title))
    return found


ANALYSIS_RESULTS = register_layer(
    Layer(
        slug=SLUG,
        name=_("Analysis results"),
        description=_(
            "The layers of the published map analyses, each computed from the city's data "
            "at the time of its run (its page gives the parameters and data versions)."
        ),
        geometry_type="Geometry",
        fields=(
            Field("analysis", "integer", _("analysis")),
            Field("kind", "string", _("kind of analysis")),
            Field("city", "string", _("city")),
            Field("layer", "string", _("layer")),
            Field("name", "string", _("name")),
            Field("sector", "integer", _("NACE division")),
            Field("employees", "integer", _("employees")),
            Field("properties", "json", _("properties")),
            # The site's, or for a computed feature the city's: its licence and whether the
            # data behind it is synthetic.
            Field("dataset", "string", _("dataset")),
        ),
        rows=_rows,
        filters=frozenset({"city", "bbox", "part"}),
        required=frozenset({"part"}),
        on_map=False,  # each result is drawn on its own page
        parts=_parts,
    )
)
