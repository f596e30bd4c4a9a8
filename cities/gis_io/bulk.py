"""Bulk writes into one dataset (the partner API's `.../bulk`), through the import pipeline.

A request's features are upserted by `external_id` and its list of identifiers deleted, all
or nothing. The features are read by the same GDAL reader as an uploaded GeoJSON file,
staged, checked by the same set-based validation and written by the same commit as an
import (steps.py, validation.py, commit.py): a bulk write is an import without pages. It
is kept as an `Import` row (options `{"bulk": true}`), the record of where the rows came
from; a dry run or a refused request leaves nothing, that row included.

The caller (stakeholders/datasets_api.py) says who may write into which dataset.
"""

import json
import re
import shutil
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from cities.gis_io.commit import CommitRefused, flow_end, import_commit_rows, sites_thin_later
from cities.gis_io.sources import SourceError
from cities.gis_io.steps import upload_path, validate_import
from cities.gis_io.targets import CONVERSIONS, TARGETS
from cities.gis_io.validation import converted_column
from cities.models import City, Dataset, Import, ImportIssue
from cities.tile_versions import bump_layer_version

MAX_ROWS = 10_000
# What can be written in bulk, with the table it goes into. Features (sites, zones, context)
# are identified by `external_id`; statistics (indicators, flows), which have no identifier
# of their own, by their target's natural key (cities/gis_io/targets.py).
KINDS = {
    "sites": "cities_site",
    "zones": "cities_landzone",
    "context": "cities_contextfeature",
    "indicators": "cities_indicator",
    "flows": "cities_materialflow",
}
STATISTICS = ("indicators", "flows")
MAX_IDENTIFIER = 80  # as `external_id` is stored
# Problems listed in an answer; the count says how many there are in all.
LISTED_PROBLEMS = 1_000

_EPSG = re.compile(r"(?:EPSG:{1,2}|crs:EPSG::?|/EPSG/0/)(\d{4,6})$", re.IGNORECASE)
_CRS84 = re.compile(r"(CRS:?84|OGC/1\.3/CRS84)$", re.IGNORECASE)


class BulkRequestInvalid(ValueError):
    """The body cannot be read as a bulk request at all (a 400); str() says why."""


@dataclass
class Problem:
    index: int | None  # the feature's position in the request (from 0); None: the request
    external_id: str
    field: str
    message: str
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "external_id": self.external_id,
            "field": self.field,
            "message": self.message,
            "value": self.value,
        }


class BulkRejected(Exception):
    """The request has errors: nothing was written."""

    def __init__(self, problems: list[Problem], total: int) -> None:
        super().__init__(f"{total} problems")
        self.problems, self.total = problems, total


class BulkConflict(Exception):
    """The write breaks a rule of the database (rows that others refer to, a constraint),
    found when it is committed: nothing was written; str() says so."""


@dataclass
class BulkRequest:
    features: list[dict]
    # Identifiers; for statistics, objects of their key's fields.
    deletes: list
    srid: int = 4326
    # The body as sent, when it is a FeatureCollection that GDAL can read as it is.
    raw: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.features) + len(self.deletes)


@dataclass
class BulkResult:
    dry_run: bool
    received: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    not_found: list = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "received": self.received,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "deleted": len(self.deleted),
            "not_found": self.not_found,
            "warnings": [w.as_dict() for w in self.warnings],
        }


# ---- Reading the body -------------------------------------------------------------------------


def parse_bulk_body(raw: bytes, content_type: str, kind: str = "sites") -> BulkRequest:
    """For features: a GeoJSON FeatureCollection (its foreign member `delete` lists
    identifiers to delete), or newline-delimited GeoJSON: a Feature, or `{"delete": "<id>"}`,
    on each line. For statistics: `{"rows": [...], "delete": [...]}` with an object a row
    and an object of the key's fields a deletion, or NDJSON: a row, or `{"delete": {...}}`,
    on each line."""
    media = (content_type or "").split(";")[0].strip().lower()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BulkRequestInvalid(_("The body is not UTF-8 text.")) from None
    if media in ("application/x-ndjson", "application/ndjson", "application/geo+json-seq",
                 "application/jsonl", "application/json-seq"):  # fmt: skip
        return _lines(text, kind)
    if media not in ("application/json", "application/geo+json", ""):
        raise BulkRequestInvalid(
            _("Send JSON (application/json or application/geo+json) or NDJSON"
              " (application/x-ndjson).")
        )  # fmt: skip
    try:
        body = json.loads(text)
    except RecursionError:
        raise BulkRequestInvalid(_("The body is nested too deeply.")) from None
    except ValueError as exc:
        message = _("The body is not valid JSON: %(error)s") % {"error": exc}
        raise BulkRequestInvalid(message) from None
    if kind in STATISTICS:
        return _statistics(body)
    if not isinstance(body, dict) or body.get("type") != "FeatureCollection":
        raise BulkRequestInvalid(
            _('The body must be a GeoJSON object of "type": "FeatureCollection".')
        )
    features = body.get("features", [])
    deletes = body.get("delete", [])
    if not isinstance(features, list) or not isinstance(deletes, list):
        raise BulkRequestInvalid(_('"features" and "delete" must be lists.'))
    return BulkRequest(
        _features(features), _identifiers(deletes), _srid(body.get("crs")), raw=text.encode()
    )


def _lines(text: str, kind: str) -> BulkRequest:
    items, deletes = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip().lstrip("\x1e")  # RFC 8142 record separators
        if not line:
            continue
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):
            raise BulkRequestInvalid(_("Line %(n)s is not valid JSON.") % {"n": number}) from None
        if isinstance(item, dict) and set(item) == {"delete"}:
            deletes.append(item["delete"])
        else:
            items.append(item)
    if kind in STATISTICS:
        return BulkRequest(_rows(items), _keys(deletes))
    return BulkRequest(_features(items), _identifiers(deletes))


def _statistics(body: Any) -> BulkRequest:
    """Rows of statistics: a list, or an object with `rows` and `delete`."""
    if isinstance(body, list):
        body = {"rows": body}
    if not isinstance(body, dict) or not set(body) <= {"rows", "delete"}:
        raise BulkRequestInvalid(
            _('The body must be a list of rows, or an object with "rows" and "delete".')
        )
    rows, deletes = body.get("rows", []), body.get("delete", [])
    if not isinstance(rows, list) or not isinstance(deletes, list):
        raise BulkRequestInvalid(_('"rows" and "delete" must be lists.'))
    return BulkRequest(_rows(rows), _keys(deletes))


def _rows(items: list) -> list[dict]:
    """Rows of statistics as features without geometry: the pipeline reads them as a file."""
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise BulkRequestInvalid(_("Row %(index)s is not an object.") % {"index": index})
    return [{"type": "Feature", "geometry": None, "properties": item} for item in items]


def _keys(items: list) -> list[dict]:
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not all(
            v is None or (isinstance(v, str | int | float) and not isinstance(v, bool))
            for v in item.values()
        ):
            raise BulkRequestInvalid(
                _("Deletion %(index)s is not an object of the row's key fields.") % {"index": index}
            )
    return items


def _features(items: list) -> list[dict]:
    for index, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") != "Feature":
            raise BulkRequestInvalid(
                _('Feature %(index)s is not a GeoJSON object of "type": "Feature".')
                % {"index": index}
            )
        if not isinstance(item.get("properties") or {}, dict):
            raise BulkRequestInvalid(
                _('The "properties" of feature %(index)s are not an object.') % {"index": index}
            )
    return items


def _identifiers(items: list) -> list[str]:
    if not all(isinstance(i, str | int) and not isinstance(i, bool) for i in items):
        raise BulkRequestInvalid(_('"delete" lists identifiers: strings or numbers.'))
    return [str(i) for i in items]


def _srid(crs: Any) -> int:
    """RFC 7946 GeoJSON is in CRS84; the legacy `crs` member may name another EPSG code."""
    if crs is None:
        return 4326
    properties = crs.get("properties") if isinstance(crs, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if isinstance(name, str):
        if _CRS84.search(name.strip()):
            return 4326
        match = _EPSG.search(name.strip())
        if match:
            return int(match[1])
    raise BulkRequestInvalid(
        _('Name the coordinate system as "EPSG:<code>" in "crs", or leave it out for CRS84.')
    )


# ---- Writing ---------------------------------------------------------------------------------


def bulk_write(
    *,
    kind: str,
    dataset: Dataset,
    city: City,
    request: BulkRequest,
    user,
    dry_run: bool,
    max_rows: int | None = None,
) -> BulkResult:
    """Upsert the request's rows into `dataset` and delete what it lists, all or nothing;
    raises BulkRejected (with each row's problems) or BulkConflict. A request holds up to
    `max_rows` (a job of the pipeline writes larger ones)."""
    if kind not in KINDS:
        raise BulkRequestInvalid(_("Unknown kind of data: %(kind)s.") % {"kind": kind})
    max_rows = max_rows or MAX_ROWS
    if request.size > max_rows:
        raise BulkRequestInvalid(
            _("A request holds at most %(n)s rows and deletions.") % {"n": f"{max_rows:,}"}
        )
    problems = _shape_problems(kind, request)
    if problems:
        raise BulkRejected(problems[:LISTED_PROBLEMS], len(problems))
    result = BulkResult(dry_run=dry_run, received=request.size)
    with transaction.atomic():
        if request.features:
            _upsert(kind, dataset, city, request, user, result)
        if request.deletes and kind in STATISTICS:
            _delete_statistics(kind, dataset, city, request.deletes, result)
        elif request.deletes:
            _delete(kind, dataset, city, request.deletes, result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def identifier(feature: dict) -> str:
    """A feature's identifier: `external_id` among its properties, or else its GeoJSON `id`."""
    properties = feature.get("properties") or {}
    given = properties.get("external_id")
    if given is None or (isinstance(given, str) and not given.strip()):
        given = feature.get("id")
    if given is None or isinstance(given, bool | dict | list):
        return ""
    return str(given).strip()


def key_label(kind: str, values: dict) -> str:
    """A statistic's key as given, for messages: `district/key/sector/year`."""
    return "/".join(
        "" if values.get(name) is None else str(values[name]).strip()
        for name in TARGETS[kind].natural_key
    )


def _shape_problems(kind: str, request: BulkRequest) -> list[Problem]:
    """What the pipeline cannot say: unknown properties, the identifier a bulk write of
    features needs (present, at most 80 characters, and not also deleted), and the key
    fields a deletion of statistics needs."""
    target = TARGETS[kind]
    known = {f.name for f in target.fields}
    problems = []
    seen_deleted = set() if kind in STATISTICS else set(request.deletes)
    for index, feature in enumerate(request.features):
        properties = feature.get("properties") or {}
        external_id = key_label(kind, properties) if kind in STATISTICS else identifier(feature)
        if kind != "context":  # a context feature keeps every property
            for name in sorted(set(properties) - known):
                problems.append(
                    Problem(index, external_id, name,
                            _("Unknown field; the fields are: %(names)s.")
                            % {"names": ", ".join(f.name for f in target.fields)})
                )  # fmt: skip
        if kind in STATISTICS:
            continue
        if not external_id:
            problems.append(
                Problem(index, "", "external_id",
                        _("Required: a bulk write updates and deletes rows by their identifier."))
            )  # fmt: skip
        elif len(external_id) > MAX_IDENTIFIER:
            problems.append(
                Problem(index, external_id[:MAX_IDENTIFIER], "external_id",
                        _("An identifier has at most %(n)s characters.") % {"n": MAX_IDENTIFIER})
            )  # fmt: skip
        elif external_id in seen_deleted:
            problems.append(
                Problem(index, external_id, "external_id",
                        _("This identifier is also in the list to delete."))
            )  # fmt: skip
    if kind in STATISTICS:
        return problems + _key_problems(kind, request.deletes)
    for name in request.deletes:
        if not name.strip() or len(name) > MAX_IDENTIFIER:
            problems.append(
                Problem(None, name[:MAX_IDENTIFIER], "delete",
                        _("An identifier to delete has 1 to %(n)s characters.")
                        % {"n": MAX_IDENTIFIER})
            )  # fmt: skip
    return problems


def _key_problems(kind: str, keys: list[dict]) -> list[Problem]:
    target = TARGETS[kind]
    problems = []
    for index, values in enumerate(keys):
        label = key_label(kind, values)
        for name in sorted(set(values) - set(target.natural_key)):
            problems.append(
                Problem(None, label, f"delete[{index}].{name}",
                        _("A deletion names only the key's fields: %(names)s.")
                        % {"names": ", ".join(target.natural_key)})
            )  # fmt: skip
        for name in target.natural_key:
            if target.field(name).required and str(values.get(name) or "").strip() == "":
                problems.append(
                    Problem(None, label, f"delete[{index}].{name}", _("Required, but empty."))
                )
    return problems


def _upsert(kind, dataset, city, request, user, result) -> None:
    target = TARGETS[kind]
    relative = f"{uuid.uuid4().hex}/bulk.geojson"
    path = upload_path(Import(file=relative))
    path.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"bulk": True}
    if kind == "context":  # a partner dataset's context features are one layer of its city
        options.update(layer_slug=dataset.slug[:60], layer_name=dataset.name[:200])
    try:
        body = _staged_body(kind, request)
        path.write_bytes(body)
        imp = Import.objects.create(
            target=kind, city=city, file=relative, original_name="bulk request",
            size=len(body), format="geojson", srid=request.srid, stage=Import.Stage.MAP,
            mapping={"fields": {f.name: f.name for f in target.fields}, "fixed": {}},
            options=options, rows_total=len(request.features), mode=Import.Mode.UPSERT,
            dataset=dataset, created_by=user if getattr(user, "pk", None) else None,
        )  # fmt: skip
        try:
            validate_import(imp, _quiet)
        except SourceError as exc:  # GDAL could not read what the checks let through
            raise BulkRequestInvalid(str(exc)) from None
        _reject_on_errors(kind, imp)
        result.warnings = _problems(kind, imp, ImportIssue.Severity.WARNING)
        try:
            report = import_commit_rows(imp=imp, dataset=dataset, mode=Import.Mode.UPSERT)
        except CommitRefused as exc:
            raise BulkConflict(str(exc)) from None
        ImportIssue.objects.filter(upload=imp).delete()
        _staged_gone(imp)
        result.created, result.updated = report.created_ids, report.updated_ids
        result.unchanged = len(request.features) - len(result.created) - len(result.updated)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def _staged_body(kind: str, request: BulkRequest) -> bytes:
    """The FeatureCollection GDAL reads: the body as sent when it is plain (every identifier
    given as a clean `external_id`, no `crs` member anywhere); otherwise rebuilt with each
    identifier in place and each geometry reduced to its type and coordinates, so that no
    `crs` inside a geometry reaches GDAL (the top one is read by `_srid`)."""
    plain = (
        request.raw is not None
        and b'"crs"' not in request.raw
        and all((f.get("properties") or {}).get("external_id") == identifier(f)
                for f in request.features)
    )  # fmt: skip
    if plain:
        return request.raw
    return json.dumps(
        {"type": "FeatureCollection",
         "features": [_clean(f, keyed=kind not in STATISTICS) for f in request.features]},
        ensure_ascii=False,
    ).encode()  # fmt: skip


def _clean(feature: dict, *, keyed: bool) -> dict:
    properties = dict(feature.get("properties") or {})
    if keyed:
        properties["external_id"] = identifier(feature)
    return {"type": "Feature", "geometry": _geometry(feature.get("geometry")),
            "properties": properties}  # fmt: skip


def _geometry(geometry):
    if not isinstance(geometry, dict):
        return geometry
    kept = {"type": geometry.get("type")}
    if "coordinates" in geometry:
        kept["coordinates"] = geometry["coordinates"]
    if isinstance(geometry.get("geometries"), list):
        kept["geometries"] = [_geometry(g) for g in geometry["geometries"]]
    return kept


def _quiet(*_args, **_kwargs) -> None:
    """Progress nobody watches: the request waits for the answer."""


def _reject_on_errors(kind: str, imp: Import) -> None:
    imp.refresh_from_db(fields=["errors", "warnings"])
    if imp.errors:
        raise BulkRejected(_problems(kind, imp, ImportIssue.Severity.ERROR), imp.errors)


def _problems(kind: str, imp: Import, severity: str) -> list[Problem]:
    if kind in STATISTICS:
        label = "concat_ws('/', " + ", ".join(
            f"coalesce(s.attrs ->> '{name}', '')" for name in TARGETS[kind].natural_key
        ) + ")"  # fmt: skip
    else:
        label = "coalesce(s.attrs ->> 'external_id', '')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT i.row, {label}, i.field, i.message, i.value"
            " FROM cities_importissue i LEFT JOIN cities_stagedrow s"
            " ON s.upload_id = i.upload_id AND s.row = i.row"
            " WHERE i.upload_id = %s AND i.severity = %s ORDER BY i.row, i.id LIMIT %s",
            [imp.pk, severity, LISTED_PROBLEMS],
        )
        return [
            Problem(None if row is None else row - 1, external_id, name, message, value)
            for row, external_id, name, message, value in cursor.fetchall()
        ]


def _staged_gone(imp: Import) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cities_stagedrow WHERE upload_id = %s", [imp.pk])


def _delete(kind: str, dataset: Dataset, city, ids: list[str], result: BulkResult) -> None:
    if kind == "context":
        sql = (
            "DELETE FROM cities_contextfeature f USING cities_contextlayer l"
            " WHERE l.id = f.layer_id AND l.dataset_id = %s AND f.external_id = ANY(%s)"
            " RETURNING f.external_id"
        )
    else:
        sql = (
            f"DELETE FROM {KINDS[kind]} WHERE dataset_id = %s AND external_id = ANY(%s)"
            " RETURNING external_id"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [dataset.pk, ids])
        gone = {row[0] for row in cursor.fetchall()}
    result.deleted = sorted(gone)
    result.not_found = [i for i in ids if i not in gone]
    if gone:
        bump_layer_version(kind)
        if kind == "sites":
            sites_thin_later(city=city)


def _delete_statistics(
    kind: str, dataset: Dataset, city: City, keys: list[dict], result: BulkResult
) -> None:
    """Delete statistics by their key, each field read by the conversion an import uses (a
    district by name or identifier, a sector by code or label, ...); a value that does not
    convert rejects the request like a row would."""
    target = TARGETS[kind]
    params: dict[str, Any] = {
        "dataset": dataset.pk,
        "city": city.pk,
        "keys": json.dumps(
            [
                {"n": n, **{k: None if v is None else str(v) for k, v in values.items()}}
                for n, values in enumerate(keys)
            ]
        ),
    }
    columns, problems = [], []
    for name in target.natural_key:
        raw = f"NULLIF(btrim(k.{name}), '')"
        columns.append(converted_column(target.field(name), raw, city.pk, params))
        problems.append(
            f"SELECT n, '{name}', raw_{name} FROM d WHERE raw_{name} IS NOT NULL AND {name} IS NULL"
        )
    record = ", ".join(f"{name} text" for name in target.natural_key)
    converted_keys = (
        f"SELECT k.n, {', '.join(columns)}"
        f" FROM jsonb_to_recordset(%(keys)s::jsonb) AS k(n int, {record})"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH d AS MATERIALIZED ({converted_keys}) {' UNION ALL '.join(problems)} ORDER BY 1",
            params,
        )
        wrong = cursor.fetchall()
        if wrong:
            found = [
                Problem(None, key_label(kind, keys[n]), f"delete[{n}].{name}",
                        str(CONVERSIONS[target.field(name).type][1]), value or "")
                for n, name, value in wrong
            ]  # fmt: skip
            raise BulkRejected(found[:LISTED_PROBLEMS], len(found))
        cursor.execute(
            f"WITH d AS ({converted_keys}) DELETE FROM {KINDS[kind]} t USING d"
            f" WHERE t.dataset_id = %(dataset)s AND t.city_id = %(city)s AND {_matches(kind)}"
            " RETURNING d.n",
            params,
        )
        gone = {row[0] for row in cursor.fetchall()}
    result.deleted = [key_label(kind, keys[n]) for n in sorted(gone)]
    result.not_found = [keys[n] for n in range(len(keys)) if n not in gone]


def _matches(kind: str) -> str:
    """A table row `t` is the converted key `d`."""
    if kind == "indicators":
        return (
            "t.district_id IS NOT DISTINCT FROM d.district AND t.key = d.key"
            " AND t.sector_id IS NOT DISTINCT FROM d.sector AND t.year = d.year"
        )
    ends = []
    for end in ("origin", "destination"):
        district, activity = flow_end(f"d.{end}")
        ends.append(
            f"t.{end}_district_id IS NOT DISTINCT FROM ({district})"
            f" AND t.{end}_activity = ({activity})"
        )
    return "t.year = d.year AND t.material_id = d.material AND " + " AND ".join(ends)
