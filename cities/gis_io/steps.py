"""The import pipeline's services and its three background steps (jobs on the imports queue).

    import_create -> [inspect] -> import_map -> [validate] -> import_request_commit -> [commit]

Pages, `manage.py import_layer` and (later) the bulk API all call these. Each
step is idempotent: a re-delivered job starts its step again from the file.
A failed, cancelled or interrupted step writes nothing: staging rows of an
unfinished validation are removed, and the commit is one transaction.
"""

import json
import logging
import shutil
import uuid
from contextlib import suppress
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from cities.gis_io import sources
from cities.gis_io.commit import (
    TABLES,
    CommitRefused,
    dataset_create,
    import_commit_rows,
)
from cities.gis_io.sources import CsvGeometry, SourceError
from cities.gis_io.targets import TARGETS, suggest_mapping
from cities.gis_io.validation import validate_staged
from cities.jobs import (
    JobCancelled,
    Progress,
    job_cancel,
    job_cancel_requested,
    job_enqueue,
    job_fail,
    register_job_kind,
)
from cities.maintenance import tables_refresh_statistics
from cities.models import City, Dataset, Import, ImportIssue, Job, StagedRow

logger = logging.getLogger(__name__)

BATCH = 10_000


class ImportRefused(ValueError):
    """A request the import cannot take in its present state; str() is for the user."""


# ---- Files --------------------------------------------------------------------------------


def _root() -> Path:
    return Path(settings.PRIVATE_UPLOAD_ROOT) / "imports"


def upload_path(imp: Import) -> Path:
    return _root() / imp.file


def _workdir(imp: Import) -> Path:
    return upload_path(imp).parent / "unpacked"


def import_create(
    *,
    upload: UploadedFile,
    target: str,
    user,
    city: City | None = None,
    options: dict | None = None,
    enqueue: bool = True,
) -> Import:
    """Keep the uploaded file (privately) and start its inspection."""
    if target not in TARGETS:
        raise ImportRefused(_("Unknown kind of data: %(target)s.") % {"target": target})
    if TARGETS[target].needs_city and city is None:
        raise ImportRefused(_("Choose the city the data is about."))
    limit = settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise ImportRefused(
            _("The file is larger than %(mb)s MB, the limit for an import.")
            % {"mb": settings.IMPORT_MAX_UPLOAD_MB}
        )
    name = Path(upload.name or "upload").name[-100:] or "upload"
    relative = f"{uuid.uuid4().hex}/{_safe_name(name)}"
    destination = _root() / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    with open(destination, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    with transaction.atomic():
        imp = Import.objects.create(
            target=target,
            city=city,
            file=relative,
            original_name=name,
            size=upload.size,
            options=options or {},
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        _start(imp, "import_inspect", enqueue=enqueue)
    return imp


def _safe_name(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    return keep.lstrip(".") or "upload"


def _start(imp: Import, kind: str, *, enqueue: bool) -> Job:
    if enqueue:
        job = job_enqueue(
            kind=kind, params={"import": imp.pk}, city=imp.city, requested_by=imp.created_by
        )
    else:
        job = Job.objects.create(kind=kind, params={"import": imp.pk}, city=imp.city)
    imp.job = job
    imp.save(update_fields=["job"])
    return job


def import_busy(imp: Import) -> bool:
    return imp.job is not None and not imp.job.is_finished


def _locked(imp: Import) -> Import:
    """The import read again and locked for this transaction, refused while a step runs:
    two quick clicks cannot start two steps (or two commits) of one import."""
    imp = (
        Import.objects.select_for_update(of=("self",)).select_related("job", "city").get(pk=imp.pk)
    )
    if import_busy(imp):
        raise ImportRefused(_("A step of this import is still running."))
    return imp


# ---- Step 1: inspect ---------------------------------------------------------------------


def _open(imp: Import) -> sources.Source:
    workdir = _workdir(imp)
    shutil.rmtree(workdir, ignore_errors=True)
    return sources.open_upload(upload_path(imp), workdir)


def inspect_import(imp: Import, progress: Progress) -> dict[str, Any]:
    progress(10, _("Checking the file"))
    try:
        source = _open(imp)
        progress(40, _("Reading layers and fields"))
        inspection = sources.inspect(source, encoding=imp.encoding or None)
    except SourceError as exc:
        imp.stage = Import.Stage.FAILED
        imp.inspection = {"error": str(exc)}
        imp.save(update_fields=["stage", "inspection"])
        return {"error": str(exc)}
    data = asdict(inspection)
    imp.format = inspection.format
    imp.inspection = data
    layer = _layer(imp, inspection.layers, imp.layer)
    imp.layer = layer.name if layer else ""
    if not imp.encoding and inspection.encoding:
        imp.encoding = inspection.encoding
    if layer is not None and imp.srid is None:
        imp.srid = layer.srid or (sources.suggest_srid(layer.extent) if layer.extent else None)
        data["suggested_srid"] = None if layer.srid else imp.srid
    if not imp.mapping.get("fields") and layer is not None:
        imp.mapping = _suggested(imp, inspection, layer)
    imp.stage = Import.Stage.MAP
    imp.rows_total = layer.count if layer else None
    imp.save()
    return {"layers": len(inspection.layers), "rows": imp.rows_total}


def _layer(imp: Import, layers, wanted: str):
    for layer in layers:
        if layer.name == wanted:
            return layer
    return layers[0] if layers else None


def _suggested(imp: Import, inspection, layer) -> dict:
    names = [f.name for f in layer.fields]
    mapping: dict = {"fields": suggest_mapping(TARGETS[imp.target], names), "fixed": {}}
    if inspection.csv is not None:
        mapping["csv"] = {
            "lon": inspection.csv.lon_column or "",
            "lat": inspection.csv.lat_column or "",
            "wkt": inspection.csv.wkt_column or "",
        }
    return mapping


register_job_kind("import_inspect", queue="imports")(
    lambda job, progress: _step(job, progress, inspect_import)
)


# ---- Step 2: map and validate ---------------------------------------------------------------


def import_map(
    *,
    imp: Import,
    layer: str,
    encoding: str,
    srid: int | None,
    mapping: dict,
    enqueue: bool = True,
) -> Import:
    """Record the user's choices and validate with them."""
    with transaction.atomic():
        imp = _locked(imp)
        if imp.stage in (Import.Stage.DONE, Import.Stage.FAILED):
            raise ImportRefused(_("This import is finished; start a new one."))
        reinspect = (layer != imp.layer) or (encoding != imp.encoding)
        imp.layer, imp.encoding, imp.srid, imp.mapping = layer, encoding, srid, mapping
        imp.save(update_fields=["layer", "encoding", "srid", "mapping"])
        _start(imp, "import_inspect" if reinspect else "import_validate", enqueue=enqueue)
    return imp


def validate_import(imp: Import, progress: Progress) -> dict[str, Any]:
    target = TARGETS[imp.target]
    if target.geometry is not None and not imp.srid:
        raise SourceError(_("Say which coordinate reference system the file uses."))
    source = _open(imp)
    StagedRow.objects.filter(upload=imp).delete()
    ImportIssue.objects.filter(upload=imp).delete()
    try:
        total = _stage(imp, source, progress)
        progress(90, _("Checking every row"), total, total)
        counts = validate_staged(imp=imp, limit=settings.IMPORT_MAX_VERTICES)
    except BaseException:
        # Cancelled, failed or interrupted: the staged rows and half a report go.
        StagedRow.objects.filter(upload=imp).delete()
        ImportIssue.objects.filter(upload=imp).delete()
        raise
    imp.rows_total = total
    imp.errors, imp.warnings = counts["errors"], counts["warnings"]
    imp.validated_mapping = _validated_with(imp)
    imp.stage = Import.Stage.REVIEW
    imp.save(update_fields=["rows_total", "errors", "warnings", "validated_mapping", "stage"])
    return {"rows": total, **counts}


def _validated_with(imp: Import) -> dict:
    return {"layer": imp.layer, "encoding": imp.encoding, "srid": imp.srid, **imp.mapping}


def _stage(imp: Import, source: sources.Source, progress: Progress) -> int:
    """Copy the file's rows into the staging table, batch by batch (COPY, no row objects)."""
    csv_choice = imp.mapping.get("csv") or {}
    inspection = imp.inspection or {}
    csv_info = inspection.get("csv") or {}
    batches = sources.read_batches(
        source,
        layer=imp.layer or None,
        encoding=imp.encoding or None,
        batch_size=BATCH,
        csv_geometry=CsvGeometry(
            lon=csv_choice.get("lon") or None,
            lat=csv_choice.get("lat") or None,
            wkt=csv_choice.get("wkt") or None,
        )
        if source.format == "csv"
        else None,
        decimal_comma=csv_info.get("decimal_comma"),
        delimiter=csv_info.get("delimiter"),
    )
    expected = imp.rows_total or 0
    done = 0
    for batch in batches:
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY cities_stagedrow (upload_id, row, wkb, attrs, problem) FROM STDIN"
            ) as copy,
        ):
            for row, wkb, attrs in zip(batch.rows, batch.wkb, batch.attrs, strict=True):
                problem = attrs.pop("__problem__", None) or ""
                copy.write_row((imp.pk, row, wkb, _json(attrs), problem))
        done += len(batch.rows)
        total = max(expected, done)
        progress(5 + int(80 * done / total) if total else 50, _("Reading rows"), done, total)
    return done


def _json(attrs: dict) -> str:
    # PostgreSQL's jsonb holds no NUL character: a NUL in a file's text is dropped.
    return json.dumps(attrs, ensure_ascii=False, default=str).replace("\\u0000", "")


register_job_kind("import_validate", queue="imports")(
    lambda job, progress: _step(job, progress, validate_import)
)


# ---- Step 3: commit ----------------------------------------------------------------------------


def import_request_commit(
    *,
    imp: Import,
    mode: str,
    dataset: Dataset | None = None,
    dataset_values: dict | None = None,
    enqueue: bool = True,
) -> Import:
    """Check the import may be committed as asked, and start the commit."""
    with transaction.atomic():
        imp = _locked(imp)
        return _request_commit(imp, mode, dataset, dataset_values, enqueue)


def _request_commit(imp, mode, dataset, dataset_values, enqueue) -> Import:
    if imp.stage != Import.Stage.REVIEW:
        raise ImportRefused(_("Validate the import before committing it."))
    if imp.validated_mapping != _validated_with(imp):
        raise ImportRefused(_("The mapping changed since the report: validate again."))
    if imp.errors:
        raise ImportRefused(
            _("The report lists %(n)s errors: fix the mapping or the file first.")
            % {"n": imp.errors}
        )
    target = TARGETS[imp.target]
    if mode not in target.modes:
        raise ImportRefused(_("This kind of data cannot be committed that way."))
    if mode == "new" and not dataset_values:
        raise ImportRefused(_("Describe the new dataset."))
    if mode in ("replace", "upsert") and dataset is None:
        raise ImportRefused(_("Choose the dataset to replace or update."))
    if mode == "upsert" and target.key and not imp.mapping.get("fields", {}).get(target.key):
        raise ImportRefused(_("Updating by identifier needs the identifier field mapped."))
    imp.mode = mode
    imp.dataset = dataset
    imp.options = {**imp.options, "dataset": _serialisable(dataset_values or {})}
    imp.save(update_fields=["mode", "dataset", "options"])
    _start(imp, "import_commit", enqueue=enqueue)
    return imp


def _serialisable(values: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


def commit_import(imp: Import, progress: Progress) -> dict[str, Any]:
    progress(10, _("Writing %(n)s rows in one transaction") % {"n": imp.rows_total or 0})
    with transaction.atomic():
        imp = Import.objects.select_for_update(of=("self",)).select_related("city").get(pk=imp.pk)
        if imp.stage == Import.Stage.DONE:  # delivered again after it committed
            return imp.committed or {}
        dataset = imp.dataset
        if imp.mode == "new":
            dataset = dataset_create(
                values=dict(imp.options.get("dataset", {})), user=imp.created_by
            )
        report = import_commit_rows(imp=imp, dataset=dataset, mode=imp.mode)
        # A cancel asked for while writing undoes it all (a read: the job's row is not
        # locked, so the cancel itself never waits for this transaction).
        if job_cancel_requested(imp.job_id):
            raise JobCancelled
    # Committed: from here a cancel changes nothing, and the upkeep is best effort.
    StagedRow.objects.filter(upload=imp).delete()
    with suppress(JobCancelled):
        progress(90, _("Refreshing statistics"))
    try:
        tables_refresh_statistics(tables={TABLES[imp.target]}, vacuum=report.tables)
    except DatabaseError:  # e.g. interrupted by a late cancel: autovacuum will do it
        logger.warning("statistics of %s not refreshed after import %s", imp.target, imp.pk)
        connection.close()
    return report.as_dict()


register_job_kind("import_commit", queue="imports")(
    lambda job, progress: _step(job, progress, commit_import)
)


# ---- Running a step -------------------------------------------------------------------------


def _step(job: Job, progress: Progress, run) -> dict[str, Any]:
    """Run a step; a reason the user can act on (a bad file, a refused commit) fails the job
    with that reason as its message, and the import stays at its step."""
    imp = Import.objects.select_related("city", "created_by").get(pk=job.params["import"])
    try:
        result = run(imp, progress)
    except (SourceError, CommitRefused) as exc:
        result = {"error": str(exc)}
    if "error" in result:
        job_fail(job_id=job.pk, message=result["error"])
    return result


def import_cancel(*, imp: Import) -> bool:
    if imp.job is None:
        return False
    return job_cancel(job_id=imp.job_id)


def import_discard(*, imp: Import) -> None:
    """Forget an import that was not committed: its file, staged rows and report."""
    if imp.stage == Import.Stage.DONE:
        raise ImportRefused(_("A committed import stays, as the record of where data came from."))
    if import_busy(imp):
        import_cancel(imp=imp)
    folder = upload_path(imp).parent.resolve()
    if folder != _root().resolve() and folder.is_relative_to(_root().resolve()):
        shutil.rmtree(folder, ignore_errors=True)
    imp.delete()


def import_run_now(imp: Import) -> Import:
    """Run the import's pending step in this process (the command line, tests)."""
    from cities.jobs import job_execute

    if imp.job_id is not None:
        job_execute(job_id=imp.job_id)
    imp.refresh_from_db()
    return imp
