"""Background jobs that people can follow: enqueue, claim, report progress, finish.

A job kind is a function registered here with the queue it runs on. Tasks only
carry the job's id; the row in the database is the truth about its state, and
no job is left "running" after its worker died (see `jobs_fail_abandoned`).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cities.models import City, Job

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]
Runner = Callable[[Job, Progress], dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    name: str
    queue: str
    run: Runner


_KINDS: dict[str, JobKind] = {}


def register_job_kind(name: str, *, queue: str) -> Callable[[Runner], Runner]:
    """Declare a job kind. Its runner must be idempotent: a job may be delivered twice."""

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


def job_enqueue(
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    city: City | None = None,
    requested_by=None,
) -> Job:
    """Record a job and send it to its queue once the surrounding transaction commits."""
    from cities.tasks import run_job  # tasks import this module

    spec = job_kind(kind)
    job = Job.objects.create(kind=kind, params=params or {}, city=city, requested_by=requested_by)
    transaction.on_commit(lambda: run_job.apply_async(args=[job.pk], queue=spec.queue))
    return job


def job_report_progress(job_id: int, percent: int, message: str = "") -> None:
    """Record progress (0-100); it is also the job's sign of life."""
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        progress=max(0, min(100, percent)), message=message[:500], heartbeat_at=timezone.now()
    )


def job_execute(*, job_id: int) -> Job | None:
    """Claim a queued job and run it. Returns None when another worker got there first.

    Runners commit their own work (this function holds no transaction), so that
    their progress reports are visible while they run.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, progress=0, message=""
    )
    if claimed != 1:
        logger.info("job %s is not queued any more; skipping", job_id)
        return None
    job = Job.objects.select_related("city").get(pk=job_id)
    result = job_kind(job.kind).run(job, lambda pct, msg="": job_report_progress(job_id, pct, msg))
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        status=Job.Status.SUCCEEDED,
        progress=100,
        result=result,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def job_requeue(*, job_id: int) -> None:
    """Put a running job back in the queue before its task is retried (a transient error)."""
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        status=Job.Status.QUEUED, message="Retrying after a temporary error."
    )


def job_fail(*, job_id: int, message: str) -> None:
    Job.objects.filter(pk=job_id).exclude(status=Job.Status.SUCCEEDED).update(
        status=Job.Status.FAILED, message=message[:500], finished_at=timezone.now()
    )


def jobs_fail_abandoned() -> int:
    """Fail jobs whose worker is gone, so none stays "running" or "queued" for ever."""
    now = timezone.now()
    hard_limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    running = Job.objects.filter(
        status=Job.Status.RUNNING, heartbeat_at__lt=now - hard_limit - timedelta(minutes=1)
    ).update(
        status=Job.Status.FAILED,
        message="The worker stopped while running this job. Start it again.",
        finished_at=now,
    )
    waited = timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    queued = Job.objects.filter(status=Job.Status.QUEUED, created_at__lt=now - waited).update(
        status=Job.Status.FAILED,
        message="No worker picked this job up in time. Is the worker running?",
        finished_at=now,
    )
    return running + queued
