"""Commit a validated import: its rows into the target table, in one transaction, by SQL.

A new dataset, a replaced one (its old rows go in the transaction that writes
the new ones) or an upsert by identifier. Nothing is written row by row, and no
model instance is made per row. After the transaction the tables are analysed
(and vacuumed where rows were replaced or updated) by the caller, and the map's
caches follow (`bump_layer_version` applies on commit).
"""

from dataclasses import dataclass, field

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cities.generation import CITY_SITES, levels_sql, sites_thin
from cities.gis_io.targets import CONVERSIONS
from cities.gis_io.validation import converted
from cities.jobs import job_enqueue, register_job_kind
from cities.models import (
    City,
    ContextLayer,
    Dataset,
    District,
    Import,
    Indicator,
    Job,
    MaterialFlow,
)
from cities.services import city_refresh_areas
from cities.tile_versions import bump_layer_version


class CommitRefused(ValueError):
    """The commit would break data in use elsewhere, or its choices do not fit: nothing written."""


@dataclass
class CommitReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    # Tables whose rows were updated or deleted: VACUUM them after the transaction.
    tables: set[str] = field(default_factory=set)
    # The identifiers written, when asked for (bulk writes record what they changed).
    created_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "deleted": self.deleted}


def _run(sql: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _write(sql: str, params: dict) -> tuple[int, int]:
    """Run an INSERT ... RETURNING (xmax = 0): rows created and rows updated."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH written AS ({sql} RETURNING (xmax = 0) AS created)"
            " SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created)"
            " FROM written",
            params,
        )
        return cursor.fetchone()


def _write_keeping_ids(
    sql: str, params: dict, report: CommitReport, identifier: str = "external_id"
) -> None:
    """`_write`, keeping the identifiers created and updated in the report (`identifier`: an
    expression over the written row)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH written AS ({sql} RETURNING (xmax = 0) AS created, {identifier} AS key)"
            " SELECT created, array_agg(key ORDER BY key) FROM written GROUP BY created",
            params,
        )
        for created, ids in cursor.fetchall():
            if created:
                report.created, report.created_ids = len(ids), ids
            else:
                report.updated, report.updated_ids = len(ids), ids


def _upsert_rows(
    imp: Import, sql: str, params: dict, report: CommitReport, identifier: str = "external_id"
) -> None:
    if imp.options.get("bulk"):
        _write_keeping_ids(sql, params, report, identifier)
    else:
        report.created, report.updated = _write(sql, params)


def sites_thin_later(*, city: City) -> None:
    """Rank the city's sites for the map in the background, after the transaction.

    A bulk write answers without it: at a million sites the ranking takes seconds, most of
    such a request. Until the job has run, the new sites are drawn from zoom 16 only.
    One queued job serves every write made before it starts.
    """
    if not Job.objects.filter(kind="sites_thin", city=city, status=Job.Status.QUEUED).exists():
        job_enqueue(kind="sites_thin", city=city)


@register_job_kind("sites_thin", queue="imports")
def _sites_thin_job(job: Job, progress) -> dict:
    progress(10, _("Ranking the city's sites for the map"))
    return {"changed": sites_thin(city=job.city)}


def dataset_create(*, values: dict, user) -> Dataset:
    base = slugify(values["name"])[:80] or "dataset"
    slug, n = base, 1
    while Dataset.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return Dataset.objects.create(
        slug=slug,
        name=values["name"],
        publisher=values["publisher"],
        licence=values["licence"],
        source=values.get("source", ""),
        description=values.get("description", ""),
        quality=values["quality"],
        reference_date=values.get("reference_date"),
        embargo_until=values.get("embargo_until"),
        imported_at=timezone.now(),
        imported_by=user,
    )


@transaction.atomic
def import_commit_rows(*, imp: Import, dataset: Dataset, mode: str) -> CommitReport:
    """Write the import's rows into `dataset`. The caller checked the report has no errors."""
    report = CommitReport()
    writer = _WRITERS[imp.target]
    writer(imp, dataset, mode, report)
    imp.dataset = dataset
    imp.mode = mode
    imp.committed = report.as_dict()
    imp.committed_at = timezone.now()
    imp.stage = Import.Stage.DONE
    imp.save(update_fields=["dataset", "mode", "committed", "committed_at", "stage", "city"])
    return report


def _delete_rows(table: str, params: dict, report: CommitReport) -> None:
    """Replace mode: the dataset's rows of the city go in the transaction that writes the new."""
    report.deleted = _run(
        f"DELETE FROM {table} WHERE dataset_id = %(dataset)s AND city_id = %(city)s", params
    )
    report.tables.add(table)


def _base(imp: Import, dataset: Dataset) -> tuple[str, dict]:
    rows = converted(imp)
    return rows.sql, {**rows.params, "dataset": dataset.pk}


# Rows of the file stand in the ranking under these ids until they have their own (the
# insert gives them ids above every existing one, in the same order, so ties rank alike).
_NEW_ROW_ID = 4_000_000_000_000_000


def _write_sites(imp: Import, dataset: Dataset, mode: str, report: CommitReport) -> None:
    sql, params = _base(imp, dataset)
    if mode == "replace":
        _delete_rows("cities_site", params, report)
    columns = (
        "name",
        "sector_id",
        "employees",
        "floor_area_m2",
        "year_opened",
        "year_closed",
        "address",
        "geom",
    )
    insert = (
        "INSERT INTO cities_site (city_id, dataset_id, external_id, name, sector_id, employees,"
        " floor_area_m2, year_opened, year_closed, address, geom, min_zoom)"
        " SELECT %(city)s, %(dataset)s, COALESCE(external_id, 'row-' || row), name, sector,"
        " employees, floor_area_m2, year_opened, year_closed, COALESCE(address, ''), geom,"
    )
    if mode == "upsert":
        upsert = (
            " ON CONFLICT (dataset_id, external_id) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
            + " WHERE ("
            + ", ".join(f"cities_site.{c}" for c in columns)
            + ") IS DISTINCT FROM ("
            + ", ".join(f"EXCLUDED.{c}" for c in columns)
            + ") AND cities_site.city_id = EXCLUDED.city_id"  # another city's site stays
        )
        _upsert_rows(imp, f"{insert} 16 FROM ({sql}) AS c ORDER BY row{upsert}", params, report)
        if imp.options.get("bulk"):
            sites_thin_later(city=imp.city)
        else:
            sites_thin(city=imp.city)
    else:
        # New rows are ranked for the map with the city's sites before they are written,
        # so each is written once with its level; existing sites whose level changes follow.
        params = {**params, "new_row": _NEW_ROW_ID}
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(max(id), 0) FROM cities_site")
            params["last_id"] = cursor.fetchone()[0]
            # Rows are written in the order of their place (a geohash): the table's
            # spatial indexes then take them page by page instead of all over. Ids
            # follow that order.
            cursor.execute(
                "CREATE TEMP TABLE import_site_rows ON COMMIT DROP AS"
                " SELECT row_number() OVER (ORDER BY ST_GeoHash(c.geom, 12), c.row) AS seq, c.*"
                f" FROM ({sql}) AS c",
                params,
            )
            source = (
                f"{CITY_SITES} UNION ALL SELECT %(new_row)s + seq, ST_Transform(geom, 3857),"
                " employees FROM import_site_rows"
            )
            cursor.execute(
                f"CREATE TEMP TABLE import_site_levels ON COMMIT DROP AS {levels_sql(source)}",
                params,
            )
            cursor.execute("CREATE INDEX ON import_site_levels (id)")
        rows = "import_site_rows c LEFT JOIN import_site_levels l ON l.id = %(new_row)s + c.seq"
        report.created, report.updated = _write(
            f"{insert} COALESCE(l.level, 16) FROM {rows} ORDER BY c.seq", params
        )
        _run(
            "UPDATE cities_site s SET min_zoom = COALESCE(l.level, 16)"
            " FROM cities_site t LEFT JOIN import_site_levels l ON l.id = t.id"
            " WHERE s.id = t.id AND t.city_id = %(city)s AND t.id <= %(last_id)s"
            " AND s.min_zoom <> COALESCE(l.level, 16)",
            params,
        )
        _run("DROP TABLE import_site_rows, import_site_levels", {})
    # Rows replaced, updated or ranked again: vacuum the table afterwards.
    report.tables.add("cities_site")
    bump_layer_version("sites")


def _write_zones(imp: Import, dataset: Dataset, mode: str, report: CommitReport) -> None:
    sql, params = _base(imp, dataset)
    if imp.mapping.get("create_categories"):
        # The file's codes that the city has no category for become new categories.
        _run(
            "INSERT INTO cities_zoningcategory (city_id, code, name, meaning)"
            " SELECT DISTINCT %(city)s, left(upper(raw_category), 12), left(raw_category, 120), ''"
            f" FROM ({sql}) AS c WHERE category IS NULL AND raw_category IS NOT NULL"
            " ON CONFLICT (city_id, code) DO NOTHING",
            params,
        )
        sql, params = _base(imp, dataset)  # the conversion's dictionary now has them
    if mode == "replace":
        _delete_rows("cities_landzone", params, report)
    upsert = ""
    if mode == "upsert":
        report.tables.add("cities_landzone")
        upsert = (
            " ON CONFLICT (dataset_id, external_id, reference_year) WHERE external_id <> ''"
            " DO UPDATE SET name = EXCLUDED.name, category_id = EXCLUDED.category_id,"
            " protection = EXCLUDED.protection, geom = EXCLUDED.geom"
            # Unchanged zones are not rewritten, nor counted as updated.
            " WHERE (cities_landzone.name, cities_landzone.category_id,"
            " cities_landzone.protection, cities_landzone.geom::bytea) IS DISTINCT FROM"
            " (EXCLUDED.name, EXCLUDED.category_id, EXCLUDED.protection, EXCLUDED.geom::bytea)"
        )
    _upsert_rows(
        imp,
        "INSERT INTO cities_landzone (city_id, dataset_id, category_id, external_id, name,"
        " protection, reference_year, geom)"
        " SELECT %(city)s, %(dataset)s, category, COALESCE(external_id, ''),"
        " COALESCE(name, raw_category), protection, reference_year, geom"
        f" FROM ({sql}) AS c ORDER BY row{upsert}",
        params,
        report,
    )
    bump_layer_version("zones")


def _write_districts(imp: Import, dataset: Dataset, mode: str, report: CommitReport) -> None:
    sql, params = _base(imp, dataset)
    slug_of_name = CONVERSIONS["slug"][0].format(raw="name", max_length=80, labels="")
    if mode == "replace":
        # Deleting districts deletes every statistic and flow that refers to them.
        districts = District.objects.filter(city=imp.city, dataset=dataset)
        used = (
            Indicator.objects.filter(district__in=districts).count()
            + MaterialFlow.objects.filter(
                Q(origin_district__in=districts) | Q(destination_district__in=districts)
            ).count()
        )
        if used:
            raise CommitRefused(
                _(
                    "%(n)s statistics or flows refer to these districts: replacing them "
                    "would delete those too. Update them by identifier instead."
                )
                % {"n": used}
            )
        _delete_rows("cities_district", params, report)
    upsert = ""
    if mode == "upsert":
        report.tables.add("cities_district")
        upsert = (
            " ON CONFLICT (city_id, slug) DO UPDATE SET name = EXCLUDED.name,"
            " local_names = EXCLUDED.local_names, geom = EXCLUDED.geom"
            " WHERE cities_district.dataset_id = EXCLUDED.dataset_id"
        )
    report.created, report.updated = _write(
        "INSERT INTO cities_district (city_id, slug, name, local_names, geom, dataset_id)"
        f" SELECT %(city)s, COALESCE(slug, {slug_of_name}), name,"
        " COALESCE(local_names, '{}'), geom, %(dataset)s"
        f" FROM ({sql}) AS c ORDER BY row{upsert}",
        params,
    )
    city_refresh_areas(city=imp.city)
    bump_layer_version("districts")


def _write_city(imp: Import, dataset: Dataset, mode: str, report: CommitReport) -> None:
    sql, params = _base(imp, dataset)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_AsEWKB(ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom)), 3)))"
            f" FROM ({sql}) AS c",
            params,
        )
        outline = GEOSGeometry(memoryview(cursor.fetchone()[0]))
    options = imp.options
    if City.objects.filter(slug=options["slug"]).exists():
        raise CommitRefused(_("A city with the identifier %(slug)s exists.") % options)
    city = City.objects.create(
        slug=options["slug"],
        name=options["name"],
        short_name=options.get("short_name") or options["name"],
        country=options["country"],
        summary=options.get("summary", ""),
        outline=outline,
        dataset=dataset,
    )
    city_refresh_areas(city=city)
    imp.city = city
    report.created = 1


def _context_layer(imp: Import, dataset: Dataset, mode: str) -> ContextLayer:
    slug, name = imp.options["layer_slug"], imp.options["layer_name"]
    layer = ContextLayer.objects.filter(city=imp.city, slug=slug).first()
    if layer is None:
        return ContextLayer.objects.create(city=imp.city, slug=slug, name=name, dataset=dataset)
    if mode == "new" or layer.dataset_id != dataset.pk:
        raise CommitRefused(
            _("The city has a context layer %(slug)s from another dataset: choose another name.")
            % {"slug": slug}
        )
    return layer


def _write_context(imp: Import, dataset: Dataset, mode: str, report: CommitReport) -> None:
    sql, params = _base(imp, dataset)
    layer = _context_layer(imp, dataset, mode)
    params["layer"] = layer.pk
    if mode == "replace":
        report.deleted = _run(
            "DELETE FROM cities_contextfeature WHERE layer_id = %(layer)s", params
        )
        report.tables.add("cities_contextfeature")
    upsert = ""
    if mode == "upsert":
        report.tables.add("cities_contextfeature")
        upsert = (
            " ON CONFLICT (layer_id, external_id) WHERE external_id <> '' DO UPDATE SET"
            " name = EXCLUDED.name, properties = EXCLUDED.properties, geom = EXCLUDED.geom"
            " WHERE (cities_contextfeature.name, cities_contextfeature.properties,"
            " cities_contextfeature.geom::bytea) IS DISTINCT FROM"
            " (EXCLUDED.name, EXCLUDED.properties, EXCLUDED.geom::bytea)"
        )
    _upsert_rows(
        imp,
        "INSERT INTO cities_contextfeature (layer_id, external_id, name, properties, geom)"
        " SELECT %(layer)s, COALESCE(external_id, ''), COALESCE(name, ''), attrs, geom"
        f" FROM ({sql}) AS c ORDER BY row{upsert}",
        params,
        report,
    )
    bump_layer_version("context")


# What a bulk write reports as a statistic's identifier: its key, as `district/key/sector/year`
# and `year/material/origin/destination` (a city's total is `city`, all sectors `all`).
_DISTRICT_SLUG = "(SELECT d.slug FROM cities_district d WHERE d.id = {column})"
INDICATOR_IDENTIFIER = (
    f"concat_ws('/', COALESCE({_DISTRICT_SLUG.format(column='district_id')}, 'city'), key,"
    " COALESCE(sector_id::text, 'all'), year)"
)
FLOW_IDENTIFIER = (
    "concat_ws('/', year, (SELECT m.code FROM cities_materialcategory m WHERE m.id = material_id),"
    f" COALESCE({_DISTRICT_SLUG.format(column='origin_district_id')}, origin_activity),"
    f" COALESCE({_DISTRICT_SLUG.format(column='destination_district_id')},"
    " destination_activity))"
)


def _write_indicators(imp: Import, dataset: Dataset, mode: str, report: CommitReport) -> None:
    sql, params = _base(imp, dataset)
    if mode == "replace":
        _delete_rows("cities_indicator", params, report)
    upsert = ""
    if mode == "upsert":
        report.tables.add("cities_indicator")
        upsert = (
            " ON CONFLICT ON CONSTRAINT indicator_unique_value DO UPDATE SET"
            " value = EXCLUDED.value, unit = EXCLUDED.unit"
            " WHERE (cities_indicator.value, cities_indicator.unit)"
            " IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.unit)"
        )
    _upsert_rows(
        imp,
        "INSERT INTO cities_indicator (city_id, district_id, key, sector_id, year, value, unit,"
        " dataset_id) SELECT %(city)s, district, key, sector, year, value, unit, %(dataset)s"
        f" FROM ({sql}) AS c ORDER BY row{upsert}",
        params,
        report,
        INDICATOR_IDENTIFIER,
    )


def _write_flows(imp: Import, dataset: Dataset, mode: str, report: CommitReport) -> None:
    sql, params = _base(imp, dataset)
    if mode == "replace":
        _delete_rows("cities_materialflow", params, report)
    upsert = ""
    if mode == "upsert":
        report.tables.add("cities_materialflow")
        upsert = (
            " ON CONFLICT ON CONSTRAINT flow_unique_in_dataset DO UPDATE SET"
            " tonnes = EXCLUDED.tonnes WHERE cities_materialflow.tonnes <> EXCLUDED.tonnes"
        )
    _upsert_rows(
        imp,
        "INSERT INTO cities_materialflow (city_id, year, material_id, origin_district_id,"
        " origin_activity, destination_district_id, destination_activity, tonnes, dataset_id)"
        f" SELECT %(city)s, year, material, {', '.join(flow_end('origin'))},"
        f" {', '.join(flow_end('destination'))},"
        f" tonnes, %(dataset)s FROM ({sql}) AS c ORDER BY row{upsert}",
        params,
        report,
        FLOW_IDENTIFIER,
    )


def flow_end(column: str) -> tuple[str, str]:
    """A converted flow end (`d<district id>` or `a<activity>`) as its district and activity."""
    return (
        f"CASE WHEN left({column}, 1) = 'd' THEN substr({column}, 2)::bigint END",
        f"CASE WHEN left({column}, 1) = 'a' THEN substr({column}, 2) ELSE '' END",
    )


_WRITERS = {
    "sites": _write_sites,
    "zones": _write_zones,
    "districts": _write_districts,
    "city": _write_city,
    "context": _write_context,
    "indicators": _write_indicators,
    "flows": _write_flows,
}

TABLES = {
    "sites": "cities_site",
    "zones": "cities_landzone",
    "districts": "cities_district",
    "city": "cities_city",
    "context": "cities_contextfeature",
    "indicators": "cities_indicator",
    "flows": "cities_materialflow",
}
