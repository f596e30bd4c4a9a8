"""Validate an import's staged rows in set-based SQL: a report row per problem, nothing written.

The geometry of each staged row is parsed and transformed to EPSG:4326, repaired
with ST_MakeValid where invalid (a warning), and checked for emptiness, range,
type and place; each target field's text is converted by the expression that the
commit will use (cities/gis_io/targets.py), and a value that does not convert is
an error. Identifiers must be unique within the file.
"""

import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from cities.gis_io.targets import (
    CONVERSIONS,
    GEOMETRY_ANY,
    GEOMETRY_POINT,
    GEOMETRY_POLYGON,
    TARGETS,
    Target,
    TargetField,
)
from cities.gis_io.vocabularies import vocabulary
from cities.models import City, Import, ImportIssue

PROBLEMS = {
    "too_many_vertices": _("The geometry has more vertices than allowed (%(limit)s)."),
    "nested_collection": _("Nested geometry collections are not accepted."),
    "nan_coordinates": _("The geometry has coordinates that are not numbers (NaN)."),
    "bad_wkt": _("The WKT could not be read."),
    "bad_coordinates": _("The longitude or latitude is not a number."),
}


@dataclass(frozen=True)
class Converted:
    """The SELECT of an import's rows as typed target values (one column a target field)."""

    sql: str
    params: dict


def _raw(imp: Import, name: str, params: dict) -> str:
    """The text of a target field before conversion: mapped field, fixed value or nothing."""
    fields, fixed = imp.mapping.get("fields", {}), imp.mapping.get("fixed", {})
    if fields.get(name):
        params[f"src_{name}"] = fields[name]
        raw = f"NULLIF(btrim(s.attrs ->> %(src_{name})s), '')"
    elif str(fixed.get(name, "")).strip():
        params[f"fixed_{name}"] = str(fixed[name]).strip()
        raw = f"%(fixed_{name})s::text"
    else:
        return "NULL::text"
    values = imp.mapping.get("values", {}).get(name)
    if values:
        params[f"values_{name}"] = json.dumps(values)
        raw = f"COALESCE(%(values_{name})s::jsonb ->> {raw}, {raw})"
    return raw


def converted_column(field: TargetField, raw: str, city_id: int | None, params: dict) -> str:
    """`raw_<field>` (the text) and `<field>` (its typed value, or NULL): the one conversion
    an import's validation, its commit and a bulk deletion's keys share."""
    labels = vocabulary(field.type, city_id)
    if labels is not None:
        params[f"labels_{field.name}"] = json.dumps(labels)
    expression = CONVERSIONS[field.type][0].format(
        raw=raw, max_length=field.max_length, labels=f"%(labels_{field.name})s::jsonb"
    )
    return f"{raw} AS raw_{field.name}, {expression} AS {field.name}"


def converted(imp: Import) -> Converted:
    target = TARGETS[imp.target]
    params: dict = {"upload": imp.pk, "city": imp.city_id}
    columns = []
    for field in target.fields:
        columns.append(converted_column(field, _raw(imp, field.name, params), imp.city_id, params))
    select = ", ".join(["s.row", "s.attrs", "s.geom", *columns])
    sql = f"SELECT {select} FROM cities_stagedrow s WHERE s.upload_id = %(upload)s"
    return Converted(sql, params)


def _issues(sql: str, params: dict) -> None:
    """INSERT report rows from a SELECT of (row, field, value, message, severity, code)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cities_importissue (upload_id, row, field, value, message, severity, code)"
            f" SELECT %(upload)s, q.* FROM ({sql}) AS q",
            params,
        )


def _geometry_checks(imp: Import, target: Target, city: City | None, limit: int) -> None:
    params = {"upload": imp.pk, "srid": imp.srid or 4326}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cities_stagedrow SET geom = cities_import_geometry(wkb, %(srid)s)"
            " WHERE upload_id = %(upload)s AND wkb IS NOT NULL",
            params,
        )
    for problem, message in PROBLEMS.items():
        _issues(
            "SELECT row, 'geometry', '', %(message)s, 'error', '' FROM cities_stagedrow"
            " WHERE upload_id = %(upload)s AND problem = %(problem)s",
            {**params, "problem": problem, "message": str(message) % {"limit": limit}},
        )
    _issues(
        "SELECT row, 'geometry', '', %(missing)s, 'error', '' FROM cities_stagedrow"
        " WHERE upload_id = %(upload)s AND problem = '' AND wkb IS NULL"
        " UNION ALL "
        "SELECT row, 'geometry', '', %(unreadable)s, 'error', '' FROM cities_stagedrow"
        " WHERE upload_id = %(upload)s AND wkb IS NOT NULL AND geom IS NULL",
        {
            **params,
            "missing": _("No geometry."),
            "unreadable": _(
                "The geometry could not be read, or not transformed from EPSG:%(srid)s."
            )
            % {"srid": params["srid"]},
        },
    )
    # Coordinates that are no longitudes and latitudes: usually a wrong CRS.
    _issues(
        "SELECT row, 'geometry', ST_AsText(ST_PointN(ST_Boundary(ST_Envelope(geom)), 1)),"
        " %(message)s, 'error', '' FROM cities_stagedrow"
        " WHERE upload_id = %(upload)s AND geom IS NOT NULL AND NOT ST_IsEmpty(geom)"
        " AND (ST_XMin(geom) < -180 OR ST_XMax(geom) > 180 OR ST_YMin(geom) < -90"
        " OR ST_YMax(geom) > 90)",
        {
            **params,
            "message": _(
                "The coordinates are out of range: is the coordinate system (EPSG:%(srid)s) right?"
            )
            % {"srid": params["srid"]},
        },
    )
    _issues(
        "SELECT row, 'geometry', '', %(message)s, 'error', '' FROM cities_stagedrow"
        " WHERE upload_id = %(upload)s AND geom IS NOT NULL AND ST_IsEmpty(geom)",
        {**params, "message": _("The geometry is empty.")},
    )
    accepted = {
        GEOMETRY_POINT: "('ST_Point', 'ST_MultiPoint')",
        GEOMETRY_POLYGON: "('ST_Polygon', 'ST_MultiPolygon')",
        GEOMETRY_ANY: None,
    }[target.geometry]
    if accepted:
        expected = _("a point") if target.geometry == GEOMETRY_POINT else _("a polygon")
        extra = " OR ST_NumGeometries(geom) > 1" if target.geometry == GEOMETRY_POINT else ""
        _issues(
            "SELECT row, 'geometry', replace(ST_GeometryType(geom), 'ST_', ''), %(message)s,"
            " 'error', '' FROM cities_stagedrow WHERE upload_id = %(upload)s AND geom IS NOT NULL"
            f" AND NOT ST_IsEmpty(geom) AND (ST_GeometryType(geom) NOT IN {accepted}{extra})",
            {**params, "message": _("Expected %(kind)s.") % {"kind": expected}},
        )
    # Invalid geometries (a bow-tie, a ring that touches itself) are repaired and reported.
    repair = (
        "ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3))"
        if target.geometry == GEOMETRY_POLYGON
        else "ST_MakeValid(geom)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH repaired AS ("
            f" UPDATE cities_stagedrow SET geom = {repair}"
            " WHERE upload_id = %(upload)s AND geom IS NOT NULL AND NOT ST_IsValid(geom)"
            " AND ST_XMin(geom) >= -180 AND ST_XMax(geom) <= 180"
            " RETURNING row, geom)"
            " INSERT INTO cities_importissue"
            " (upload_id, row, field, value, message, severity, code)"
            " SELECT %(upload)s, row, 'geometry', '', CASE WHEN ST_IsEmpty(geom) THEN %(gone)s"
            " ELSE %(fixed)s END, CASE WHEN ST_IsEmpty(geom) THEN 'error' ELSE 'warning' END, ''"
            " FROM repaired",
            {
                **params,
                "fixed": _("The geometry was invalid (e.g. it crosses itself) and was repaired."),
                "gone": _("The geometry was invalid and nothing was left after repairing it."),
            },
        )
    if target.geometry == GEOMETRY_POLYGON:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cities_stagedrow SET geom = ST_Multi(geom) WHERE upload_id = %(upload)s"
                " AND ST_GeometryType(geom) = 'ST_Polygon'",
                params,
            )
    if target.geometry == GEOMETRY_POINT:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cities_stagedrow SET geom = ST_GeometryN(geom, 1)"
                " WHERE upload_id = %(upload)s AND ST_GeometryType(geom) = 'ST_MultiPoint'"
                " AND ST_NumGeometries(geom) = 1",
                params,
            )
    if city is not None:
        _issues(
            "SELECT s.row, 'geometry', '', %(message)s, 'error', '' FROM cities_stagedrow s"
            " JOIN cities_city c ON c.id = %(city)s WHERE s.upload_id = %(upload)s"
            " AND s.geom IS NOT NULL AND ST_IsValid(s.geom) AND ST_XMax(s.geom) <= 180"
            " AND NOT ST_Intersects(s.geom, c.outline)",
            {**params, "city": city.pk, "message": _("Outside %(city)s.") % {"city": city.name}},
        )


def _field_checks(imp: Import, target: Target) -> None:
    """Every field's checks in one statement, over the rows converted once (MATERIALIZED):
    a check a statement converted every row again for each (twelve times for sites)."""
    rows = converted(imp)
    params = dict(rows.params)
    checks = []
    for n, field in enumerate(target.fields):
        if field.type == "zoning" and imp.mapping.get("create_categories"):
            continue  # unknown codes become new categories at commit
        params[f"field_{n}"] = field.name
        params[f"message_{n}"] = str(CONVERSIONS[field.type][1])
        params[f"code_{n}"] = field.name if field.maps_values else ""
        # A value given that did not convert.
        checks.append(
            f"SELECT row, %(field_{n})s, left(raw_{field.name}, 200), %(message_{n})s, 'error',"
            f" %(code_{n})s FROM c WHERE raw_{field.name} IS NOT NULL AND {field.name} IS NULL"
        )
        if field.required:
            params["required"] = _("Required, but empty.")
            checks.append(
                f"SELECT row, %(field_{n})s, '', %(required)s, 'error', '' FROM c"
                f" WHERE raw_{field.name} IS NULL"
            )
    if target.slug == "sites":  # the table's rule, said per row rather than at commit
        params["closes_before"] = _("The site closes before it opens.")
        checks.append(
            "SELECT row, 'year_closed', year_closed::text, %(closes_before)s, 'error', ''"
            " FROM c WHERE year_closed < year_opened"
        )
    key = _key_expression(imp, target)
    if key:
        params["key_field"] = target.key
        params["key_message"] = _("This identifier appears more than once in the file.")
        checks.append(
            "SELECT row, %(key_field)s, left(key, 200), %(key_message)s, 'error', ''"
            f" FROM (SELECT row, {key} AS key, count(*) OVER (PARTITION BY {key}) AS n"
            f"       FROM c WHERE {key} IS NOT NULL) AS d WHERE n > 1"
        )
    if target.natural_key:
        # A second row with the same key would break the table's rule at commit.
        names = ", ".join(target.natural_key)
        # Rows whose key did not convert are reported already, and not compared.
        converted_key = " AND ".join(
            f"(raw_{n} IS NULL OR {n} IS NOT NULL)" for n in target.natural_key
        )
        params["repeat_field"] = target.natural_key[0]
        labels = [str(target.field(n).label) for n in target.natural_key]
        params["repeat_message"] = _("Another row has the same %(fields)s: keep one of them.") % {
            "fields": get_text_list(labels, _("and"))
        }
        checks.append(
            "SELECT row, %(repeat_field)s, '', %(repeat_message)s, 'error', ''"
            f" FROM (SELECT row, count(*) OVER (PARTITION BY {names}) AS n FROM c"
            f"       WHERE {converted_key}) AS d WHERE n > 1"
        )
    if not checks:
        return
    # Only the typed values are kept, not each row's attributes and geometry.
    columns = ", ".join(["row", *(f"raw_{f.name}, {f.name}" for f in target.fields)])
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH c AS MATERIALIZED (SELECT {columns} FROM ({rows.sql}) AS r)"
            " INSERT INTO cities_importissue"
            " (upload_id, row, field, value, message, severity, code)"
            f" SELECT %(upload)s, q.* FROM ({' UNION ALL '.join(checks)}) AS q",
            params,
        )


def _key_expression(imp: Import, target: Target) -> str | None:
    """What identifies a row within the file, when the file (or a fixed value) gives one."""
    if target.slug == "districts":  # an identifier, or one made from the name
        return (
            "COALESCE(slug, "
            + CONVERSIONS["slug"][0].format(raw="name", max_length=80, labels="")
            + ")"
        )
    given = imp.mapping.get("fields", {}).get(target.key) or imp.mapping.get("fixed", {}).get(
        target.key
    )
    return target.key if target.key and given else None


@transaction.atomic
def validate_staged(*, imp: Import, limit: int) -> dict[str, int]:
    """Write the report of an import's staged rows; returns the counts of errors and warnings."""
    target = TARGETS[imp.target]
    ImportIssue.objects.filter(upload=imp).delete()
    if target.geometry is not None:
        _geometry_checks(imp, target, imp.city if target.needs_city else None, limit)
    _field_checks(imp, target)
    counts = {"errors": 0, "warnings": 0}
    for severity, n in (
        ImportIssue.objects.filter(upload=imp).values_list("severity").annotate(n=Count("id"))
    ):
        counts["errors" if severity == "error" else "warnings"] = n
    return counts
