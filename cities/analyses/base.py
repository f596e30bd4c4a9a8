"""What every analysis kind shares: its declaration, and the run that computes it.

A kind declares its parameter form, the input layers it reads, the tables and
result layers it produces, and a `compute` function of set-based SQL. The run
(`execute_analysis`) gives that function one REPEATABLE READ transaction, so
every statement sees the same data and the versions recorded are the ones read;
a cancel, a crash or a time-out rolls everything back, so no partial result is
ever left behind. Progress goes through a connection of its own, so people see
it while the transaction is still open.
"""

import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from cities.jobs import JobCancelled, JobFailed, register_job_kind
from cities.models import Analysis, City, Job

Text = Promise | str
JOB_PREFIX = "analysis."


@dataclass(frozen=True)
class Column:
    key: str
    label: Text
    # "text" | "number" | "integer" | "percent" | "hectares"
    type: str = "number"


@dataclass(frozen=True)
class Table:
    key: str
    title: Text
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class ResultLayer:
    key: str
    label: Text
    colour: str
    # "polygon" | "point"; "graduated" polygons are shaded by `value` in classes.
    shape: str = "polygon"
    graduated: bool = False
    # A selection of the city's sites, stored as references (AnalysisSite), not features.
    sites: bool = False


@dataclass(frozen=True)
class Chart:
    table: str
    label: str  # the column that names the bars
    series: tuple[tuple[str, Text, str], ...]  # (column, label, colour)


@dataclass(frozen=True)
class AnalysisKind:
    slug: str
    title: Text
    question: Text  # one sentence: what it answers
    form: type[forms.Form]
    inputs: tuple[str, ...]  # data layers it reads: sites, zones, districts, context
    compute: Callable[["Run"], dict[str, Any]]
    totals: tuple[Column, ...] = ()
    tables: tuple[Table, ...] = ()
    layers: tuple[ResultLayer, ...] = ()
    chart: Chart | None = None
    position: int = 100  # where the kind comes in lists

    @property
    def job_kind(self) -> str:
        return JOB_PREFIX + self.slug

    def layer(self, key: str) -> ResultLayer | None:
        return next((layer for layer in self.layers if layer.key == key), None)


_KINDS: dict[str, AnalysisKind] = {}


def register_analysis(kind: AnalysisKind) -> AnalysisKind:
    if kind.slug in _KINDS:
        raise ValueError(f"analysis kind {kind.slug!r} is registered twice")
    _KINDS[kind.slug] = kind
    register_job_kind(kind.job_kind, queue="analyses")(execute_analysis)
    return kind


def analysis_kinds() -> list[AnalysisKind]:
    return sorted(_KINDS.values(), key=lambda kind: (kind.position, kind.slug))


def get_kind(slug: str) -> AnalysisKind | None:
    return _KINDS.get(slug)


def params_key(kind: str, params: dict) -> str:
    return hashlib.sha256(
        json.dumps([kind, params], sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def data_versions(city: City, layers: tuple[str, ...]) -> dict[str, int]:
    """The current version of each input layer of a city (0: it never had any data)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT layer, version FROM cities_dataversion WHERE city_id = %s AND layer = ANY(%s)",
            [city.pk, list(layers)],
        )
        found = dict(cursor.fetchall())
    return {layer: int(found.get(layer, 0)) for layer in layers}


# ---- The run ---------------------------------------------------------------------


class AnalysisTimedOut(JobFailed):
    pass


@dataclass
class Run:
    """What a kind's `compute` works with: its parameters, a cursor, and progress."""

    analysis: Analysis
    cursor: Any
    report: Callable[[int, str], None]
    deadline: float
    steps: list[tuple[str, float]] = field(default_factory=list)

    @property
    def params(self) -> dict:
        return self.analysis.params

    @property
    def city(self) -> City:
        return self.analysis.city

    def step(self, percent: int, message: str) -> None:
        """Say what comes next; stops the run when it was cancelled or is out of time."""
        self.report(percent, message)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise AnalysisTimedOut(_time_limit_message())
        # Each statement may take at most the time the run has left.
        self.cursor.execute(f"SET LOCAL statement_timeout = {max(1, int(remaining * 1000))}")

    def sql(self, statement: str, params: dict | None = None) -> None:
        # `readable`: no dataset under embargo is read (visibility.embargo_clause).
        common = {"analysis": self.analysis.pk, "city": self.city.pk, "readable": []}
        self.cursor.execute(statement, {**common, **(params or {})})

    def rows(self, statement: str, params: dict | None = None) -> list[dict]:
        self.sql(statement, params)
        names = [c.name for c in self.cursor.description]
        return [dict(zip(names, map(_plain, row), strict=True)) for row in self.cursor.fetchall()]

    def one(self, statement: str, params: dict | None = None) -> dict:
        rows = self.rows(statement, params)
        return rows[0] if rows else {}


def _plain(value: Any) -> Any:
    """Numbers as JSON can hold them (PostgreSQL's numeric arrives as Decimal)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _time_limit_message() -> str:
    return _("The analysis took longer than its time limit (%(s)s seconds) and was stopped.") % {
        "s": settings.ANALYSIS_TIME_LIMIT
    }


class _ProgressChannel:
    """Progress reports on a connection of their own, committed at once."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, percent: int, message: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE cities_job SET progress = %s, message = %s, heartbeat_at = now()
                WHERE id = %s AND status = 'running'
                RETURNING cancel_requested_at IS NOT NULL
                """,
                [max(0, min(100, percent)), message[:500], self.job_id],
            )
            row = cursor.fetchone()
        if row is not None and row[0]:
            raise JobCancelled

    def close(self) -> None:
        self.connection.close()


def _timed_out(exc: OperationalError) -> bool:
    return "statement timeout" in str(exc)


def execute_analysis(job: Job, progress) -> dict[str, Any]:
    """The job runner of every analysis kind."""
    analysis = Analysis.objects.select_related("city").get(job=job)
    kind = get_kind(analysis.kind)
    if kind is None:
        raise JobFailed(_("This kind of analysis no longer exists."))
    started = time.monotonic()
    channel = _ProgressChannel(job.pk)
    try:
        channel(2, _("Starting"))
        outermost = not connection.in_atomic_block  # inside a test's transaction, it is not
        with transaction.atomic(), connection.cursor() as cursor:
            if outermost:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # PostGIS functions are costed high, so the planner would JIT-compile these
            # statements: that takes about a second, more than most of them then run.
            cursor.execute("SET LOCAL jit = off")
            versions = data_versions(analysis.city, kind.inputs)
            run = Run(
                analysis=analysis,
                cursor=cursor,
                report=channel,
                deadline=started + settings.ANALYSIS_TIME_LIMIT,
            )
            # A run after a crash starts from nothing (its first attempt may have committed).
            run.sql("DELETE FROM cities_analysisfeature WHERE analysis_id = %(analysis)s")
            run.sql("DELETE FROM cities_analysissite WHERE analysis_id = %(analysis)s")
            try:
                summary = kind.compute(run)
            except OperationalError as exc:
                if _timed_out(exc):
                    raise AnalysisTimedOut(_time_limit_message()) from exc
                raise
            channel(95, _("Saving the result"))
            run.sql("SET LOCAL statement_timeout = 0")
            # Counted once here, so the result page and the city map never count them again.
            summary = {**summary, "layer_counts": count_layers(cursor, analysis.pk)}
            count = sum(summary["layer_counts"].values())
            duration = int((time.monotonic() - started) * 1000)
            Analysis.objects.filter(pk=analysis.pk).update(
                summary=summary, data_versions=versions, feature_count=count, duration_ms=duration
            )
        with contextlib.suppress(JobCancelled):  # too late: the result is stored and kept
            channel(100, _("Finished"))
    finally:
        channel.close()
    return {"features": count, "duration_ms": duration}


def count_layers(cursor, analysis_id: int) -> dict[str, int]:
    """How many features or sites each layer of a result holds."""
    cursor.execute(
        "SELECT layer, count(*) FROM cities_analysisfeature WHERE analysis_id = %(a)s"
        " GROUP BY layer"
        " UNION ALL"
        " SELECT layer, count(*) FROM cities_analysissite WHERE analysis_id = %(a)s"
        " GROUP BY layer",
        {"a": analysis_id},
    )
    return dict(cursor.fetchall())


# ---- Parameter forms -------------------------------------------------------------


class AnalysisForm(forms.Form):
    """A kind's parameters for one city; `params()` gives them as JSON, normalised."""

    def __init__(self, *args, city: City, **kwargs) -> None:
        self.city = city
        super().__init__(*args, **kwargs)

    def params(self) -> dict[str, Any]:
        return {
            name: (sorted(value) if isinstance(value, list | tuple | set) else value)
            for name, value in self.cleaned_data.items()
        }


def describe_params(kind: AnalysisKind, city: City, params: dict) -> list[tuple[str, str]]:
    """The parameters as people read them: each field's label and its value's label."""
    form = kind.form(city=city)
    described = []
    for name, form_field in form.fields.items():
        value = params.get(name)
        choices = {str(k): str(v) for k, v in getattr(form_field, "choices", ())}
        if isinstance(value, list):
            text = ", ".join(choices.get(str(v), str(v)) for v in value) if value else ""
        elif value is None or value == "":
            text = ""
        else:
            text = choices.get(str(value), str(value))
        if not text:
            text = {"sectors": _("All sectors"), "year": _("Sites open today")}.get(name, "—")
        described.append((str(form_field.label), text))
    return described
