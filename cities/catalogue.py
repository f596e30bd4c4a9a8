"""The layers `cities` owns, registered in the catalogue (cities/layers.py) at start-up."""

from django.utils.translation import gettext_lazy as _

from cities.layers import Field, Layer, LayerFilters, Where, register_layer
from cities.models import ContextLayer
from cities.tiles import districts_tile, sites_tile, zones_tile
from cities.visibility import embargo_clause


def _sites(filters: LayerFilters) -> tuple[str, dict]:
    where = Where().common(filters, city="s.city_id", dataset="s.dataset_id", geom="s.geom")
    if filters.sectors:
        where.add("s.sector_id = ANY(%(sectors)s)", sectors=list(filters.sectors))
    if filters.year is not None:
        where.add(
            "(s.year_opened IS NULL OR s.year_opened <= %(year)s)"
            " AND (s.year_closed IS NULL OR s.year_closed > %(year)s)",
            year=filters.year,
        )
    sql = f"""
        SELECT s.id, s.external_id, s.name, c.slug AS city, s.sector_id AS sector,
               sec.name AS sector_name, s.employees, s.floor_area_m2, s.year_opened,
               s.year_closed, s.address, d.slug AS dataset, s.geom
        FROM cities_site s
        JOIN cities_city c ON c.id = s.city_id
        JOIN cities_sector sec ON sec.code = s.sector_id
        JOIN cities_dataset d ON d.id = s.dataset_id
        {where.sql}
    """  # noqa: S608 (clauses are fixed text; values are parameters)
    return sql, where.params


SITES = register_layer(
    Layer(
        slug="sites",
        name=_("Manufacturing sites"),
        description=_("Manufacturing establishments: sector (NACE), employees, floor area."),
        geometry_type="Point",
        fields=(
            Field("external_id", "string", _("external identifier")),
            Field("name", "string", _("name")),
            Field("city", "string", _("city")),
            Field("sector", "integer", _("NACE division")),
            Field("sector_name", "string", _("sector")),
            Field("employees", "integer", _("employees")),
            Field("floor_area_m2", "integer", _("floor area (m²)")),
            Field("year_opened", "integer", _("year opened")),
            Field("year_closed", "integer", _("year closed")),
            Field("address", "string", _("address")),
            Field("dataset", "string", _("dataset")),
        ),
        rows=_sites,
        filters=frozenset({"city", "sector", "year", "bbox", "dataset"}),
        on_map=False,  # drawn from its vector tiles
        tile=sites_tile,
    )
)


def _zones(filters: LayerFilters) -> tuple[str, dict]:
    where = Where().common(filters, city="l.city_id", dataset="l.dataset_id", geom="l.geom")
    if filters.year is not None:
        where.add("l.reference_year = %(year)s", year=filters.year)
    sql = f"""
        SELECT l.id, l.external_id, l.name, ci.slug AS city, c.code AS category,
               c.name AS category_name, l.protection, l.reference_year AS year,
               round((ST_Area(l.geom::geography) / 1e4)::numeric, 1)::float8 AS area_ha,
               d.slug AS dataset, l.geom
        FROM cities_landzone l
        JOIN cities_zoningcategory c ON c.id = l.category_id
        JOIN cities_city ci ON ci.id = l.city_id
        JOIN cities_dataset d ON d.id = l.dataset_id
        {where.sql}
    """  # noqa: S608
    return sql, where.params


ZONES = register_layer(
    Layer(
        slug="zones",
        name=_("Industrial land"),
        description=_("Industrial and productive land by reference year, with its zoning."),
        geometry_type="MultiPolygon",
        fields=(
            Field("external_id", "string", _("external identifier")),
            Field("name", "string", _("name")),
            Field("city", "string", _("city")),
            Field("category", "string", _("zoning code")),
            Field("category_name", "string", _("zoning")),
            Field("protection", "string", _("protection")),
            Field("year", "integer", _("reference year")),
            Field("area_ha", "number", _("hectares")),
            Field("dataset", "string", _("dataset")),
        ),
        rows=_zones,
        filters=frozenset({"city", "year", "bbox", "dataset"}),
        colour="#5e35b1",
        tile=zones_tile,
    )
)


def _districts(filters: LayerFilters) -> tuple[str, dict]:
    where = Where().common(filters, city="d.city_id", dataset="d.dataset_id", geom="d.geom")
    where.params["year"] = filters.year
    # Each district's all-sector figures of one year: the asked one, or its latest.
    sql = f"""
        SELECT d.id, d.slug, d.name, c.slug AS city,
               round(d.area_km2::numeric, 2)::float8 AS area_km2,
               i.year AS indicator_year, i.jobs AS manufacturing_jobs,
               i.firms AS manufacturing_firms, i.floor AS productive_floor_area,
               ds.slug AS dataset, d.geom
        FROM cities_district d
        JOIN cities_city c ON c.id = d.city_id
        JOIN cities_dataset ds ON ds.id = d.dataset_id
        LEFT JOIN LATERAL (
          SELECT year,
                 max(value) FILTER (WHERE key = 'manufacturing_jobs') AS jobs,
                 max(value) FILTER (WHERE key = 'manufacturing_firms') AS firms,
                 max(value) FILTER (WHERE key = 'productive_floor_area') AS floor
          FROM cities_indicator
          WHERE district_id = d.id AND sector_id IS NULL
            AND (%(year)s::int IS NULL OR year = %(year)s::int)
            AND {embargo_clause("dataset_id")}
          GROUP BY year ORDER BY year DESC LIMIT 1
        ) AS i ON true
        {where.sql}
    """  # noqa: S608
    return sql, where.params


DISTRICTS = register_layer(
    Layer(
        slug="districts",
        name=_("Districts"),
        description=_("Municipalities, boroughs and districts with their latest statistics."),
        geometry_type="MultiPolygon",
        fields=(
            Field("slug", "string", _("identifier")),
            Field("name", "string", _("name")),
            Field("city", "string", _("city")),
            Field("area_km2", "number", _("area (km²)")),
            Field("indicator_year", "integer", _("year of the statistics")),
            Field("manufacturing_jobs", "number", _("manufacturing jobs")),
            Field("manufacturing_firms", "number", _("manufacturing firms")),
            Field("productive_floor_area", "number", _("productive floor area")),
            Field("dataset", "string", _("dataset")),
        ),
        rows=_districts,
        filters=frozenset({"city", "year", "bbox", "dataset"}),
        colour="#0b2a4a",
        tile=districts_tile,
    )
)


def _context(filters: LayerFilters) -> tuple[str, dict]:
    where = Where().common(filters, city="l.city_id", dataset="l.dataset_id", geom="f.geom")
    if filters.part:
        where.add("l.slug = %(part)s", part=filters.part)
    sql = f"""
        SELECT f.id, f.external_id, f.name, c.slug AS city, l.slug AS layer, f.properties,
               d.slug AS dataset, f.geom
        FROM cities_contextfeature f
        JOIN cities_contextlayer l ON l.id = f.layer_id
        JOIN cities_city c ON c.id = l.city_id
        JOIN cities_dataset d ON d.id = l.dataset_id
        {where.sql}
    """  # noqa: S608
    return sql, where.params


def _context_parts() -> list[tuple[str, str]]:
    slugs = ContextLayer.objects.order_by("slug").values_list("slug", flat=True)
    return [(slug, slug.replace("-", " ")) for slug in dict.fromkeys(slugs)]


CONTEXT = register_layer(
    Layer(
        slug="context",
        name=_("Context layers"),
        description=_("Other features worth seeing on a city map: stations, waterways, ..."),
        geometry_type="Geometry",
        fields=(
            Field("external_id", "string", _("external identifier")),
            Field("name", "string", _("name")),
            Field("city", "string", _("city")),
            Field("layer", "string", _("layer")),
            Field("properties", "json", _("properties")),
            Field("dataset", "string", _("dataset")),
        ),
        rows=_context,
        filters=frozenset({"city", "bbox", "dataset", "part"}),
        colour="#ffffff",
        on_map=False,  # each of a city's context layers is its own overlay
        parts=_context_parts,
    )
)
