"""Background jobs that people can follow: enqueue, claim, report progress, finish.

A job kind is a function registered here with the queue it runs on. Tasks only
carry the job's id; the row in the database is the truth about its state.

- A job is claimed with a conditional update, so a message delivered twice runs once.
- A job whose worker died (its heartbeat older than the hard time limit) may be
  claimed again when Celery re-delivers its message, up to MAX_ATTEMPTS times.
- `jobs_fail_abandoned` (on beat) fails what nobody will finish, with a reason,
  so no job stays "queued" or "running" for ever.
- `job_cancel` asks a job to stop: a queued one ends at once; a running one stops at its
  next progress report, or at once when its worker's statement is interrupted.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from cities.models import City, Job

logger = logging.getLogger(__name__)

# progress(percent, message, done=None, total=None); raises JobCancelled when asked to stop.
Progress = Callable[..., None]
Runner = Callable[[Job, Progress], dict[str, Any]]

MAX_ATTEMPTS = 3
# How long a queued job may wait for a worker before it is failed.
QUEUE_PATIENCE = timedelta(hours=24)


class JobCancelled(Exception):
    """Someone asked the job to stop; the runner undoes its partial work and re-raises."""


class JobFailed(Exception):
    """The job cannot give a result, for a reason people can act on (its message says which)."""


@dataclass(frozen=True)
class JobKind:
    name: str
    queue: str
    run: Runner


_KINDS: dict[str, JobKind] = {}


def register_job_kind(name: str, *, queue: str) -> Callable[[Runner], Runner]:
    """Declare a job kind. Its runner must be idempotent: a job may run again after a crash."""
    queues = {q.name for q in settings.CELERY_TASK_QUEUES}
    if queue not in queues:
        raise ValueError(f"job kind {name!r}: queue {queue!r} is not one of {sorted(queues)}")

    def decorate(run: Runner) -> Runner:
        if name in _KINDS:
            raise ValueError(f"job kind {name!r} is registered twice")
        _KINDS[name] = JobKind(name=name, queue=queue, run=run)
        return run

    return decorate


def job_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ValueError(f"unknown job kind {name!r}") from None


def _stale_before() -> Any:
    """A running job whose last sign of life is older than this has lost its worker."""
    return timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


# The task that runs every job (cities/tasks.py), sent by name: this module is what the
# task calls, so it does not import the task back.
RUN_JOB_TASK = "cities.tasks.run_job"


def _send(job_id: int, queue: str) -> None:
    from portal.celery import publish

    if not publish(RUN_JOB_TASK, [job_id], queue=queue):
        # The broker is down: say so on the job rather than lose it.
        job_fail(job_id=job_id, message="Could not reach the task queue; start it again.")


def job_enqueue(
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    city: City | None = None,
    requested_by=None,
) -> Job:
    """Record a job and send it to its queue once the surrounding transaction commits."""
    spec = job_kind(kind)
    job = Job.objects.create(kind=kind, params=params or {}, city=city, requested_by=requested_by)
    transaction.on_commit(lambda: _send(job.pk, spec.queue), robust=True)
    return job


def job_report_progress(
    job_id: int,
    percent: int,
    message: str = "",
    done: int | None = None,
    total: int | None = None,
) -> None:
    """Record progress (0-100, and units done of a total); it is also the job's sign of life.

    Raises JobCancelled when a cancel was asked for.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE cities_job
            SET progress = %s, message = %s, done = %s, total = %s, heartbeat_at = now()
            WHERE id = %s AND status = 'running'
            RETURNING cancel_requested_at IS NOT NULL
            """,
            [max(0, min(100, percent)), message[:500], done, total, job_id],
        )
        row = cursor.fetchone()
    if row is not None and row[0]:
        raise JobCancelled


def job_cancel(*, job_id: int) -> bool:
    """Ask a job to stop. Returns False when it had already finished."""
    now = timezone.now()
    queued = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.CANCELLED,
        cancel_requested_at=now,
        finished_at=now,
        message="Cancelled before it started.",
    )
    if queued:
        return True
    running = Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        cancel_requested_at=now
    )
    if running:
        # Interrupt the statement it may be waiting on (a long commit); the runner sees
        # the cancel flag and stops. A job that finished meanwhile is told apart there.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_cancel_backend(backend_pid) FROM cities_job"
                " WHERE id = %s AND status = 'running' AND backend_pid IS NOT NULL",
                [job_id],
            )
    return bool(running)


def job_cancel_requested(job_id: int) -> bool:
    return Job.objects.filter(pk=job_id, cancel_requested_at__isnull=False).exists()


def job_claim(*, job_id: int) -> bool:
    """Take a job for this worker: a queued one, or a running one whose worker died."""
    now = timezone.now()
    claimable = Q(status=Job.Status.QUEUED) | Q(
        status=Job.Status.RUNNING, heartbeat_at__lt=_stale_before()
    )
    claimed = Job.objects.filter(claimable, pk=job_id, attempts__lt=MAX_ATTEMPTS).update(
        status=Job.Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        message="",
        backend_pid=RawSQL("pg_backend_pid()", []),
    )
    return claimed == 1


def job_execute(*, job_id: int) -> Job | None:
    """Claim a job and run it. Returns None when there was nothing to do.

    Runners commit their own work (this function holds no transaction), so that
    their progress reports are visible while they run.
    """
    if not job_claim(job_id=job_id):
        logger.info("job %s is not claimable (finished, or another worker has it)", job_id)
        return None
    job = Job.objects.select_related("city").get(pk=job_id)
    try:
        result = job_kind(job.kind).run(
            job,
            lambda pct, msg="", done=None, total=None: job_report_progress(
                job_id, pct, msg, done, total
            ),
        )
    except JobCancelled:
        job_finish_cancelled(job_id=job_id)
        job.refresh_from_db()
        return job
    except JobFailed as exc:
        job_fail(job_id=job_id, message=str(exc))
        job.refresh_from_db()
        return job
    now = timezone.now()
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        status=Job.Status.SUCCEEDED, progress=100, result=result, finished_at=now, heartbeat_at=now
    )
    job.refresh_from_db()
    return job


def job_requeue(*, job_id: int) -> None:
    """Put a running job back in the queue before its task is retried (a transient error)."""
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        status=Job.Status.QUEUED,
        queued_at=timezone.now(),
        message="Retrying after a temporary error.",
    )


def job_finish_cancelled(*, job_id: int) -> None:
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        status=Job.Status.CANCELLED, message="Cancelled.", finished_at=timezone.now()
    )


def job_fail(*, job_id: int, message: str) -> None:
    Job.objects.filter(pk=job_id).exclude(
        status__in=[Job.Status.SUCCEEDED, Job.Status.CANCELLED]
    ).update(status=Job.Status.FAILED, message=message[:500], finished_at=timezone.now())


def jobs_fail_abandoned() -> int:
    """Fail jobs nobody will finish, with a reason, so none stays unfinished for ever."""
    now = timezone.now()
    # Celery re-delivers a lost worker's message after the visibility timeout;
    # past that (and a margin) without a claim, nobody is coming back for it.
    redelivery = timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    running = Job.objects.filter(
        Q(attempts__gte=MAX_ATTEMPTS, heartbeat_at__lt=_stale_before())
        | Q(heartbeat_at__lt=now - redelivery - timedelta(minutes=10)),
        status=Job.Status.RUNNING,
    ).update(
        status=Job.Status.FAILED,
        message="The worker stopped while running this job (it may have run out of time "
        "or memory). Start it again.",
        finished_at=now,
    )
    queued = Job.objects.filter(
        status=Job.Status.QUEUED, queued_at__lt=now - QUEUE_PATIENCE
    ).update(
        status=Job.Status.FAILED,
        message="No worker picked this job up within a day. Is the worker running?",
        finished_at=now,
    )
    return running + queued
