"""Celery entry points for cities. Tasks take ids and call services; see cities/jobs.py."""

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from cities.jobs import (
    job_cancel_requested,
    job_execute,
    job_fail,
    job_finish_cancelled,
    job_requeue,
)
from cities.jobs import jobs_fail_abandoned as fail_abandoned
from cities.models import Dataset
from cities.tile_versions import forget_all_tiles

TRANSIENT = (OperationalError, InterfaceError)


class JobTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # The failure may have been the connection itself: start from a fresh one.
        connection.close()
        job_fail(job_id=args[0], message=f"Failed: {exc}")


@shared_task(
    base=JobTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
)
def run_job(self, job_id: int) -> None:
    try:
        job_execute(job_id=job_id)
    except SoftTimeLimitExceeded:
        job_fail(job_id=job_id, message="The job took longer than its time limit.")
    except TRANSIENT as exc:
        connection.close()  # a dropped connection would fail the requeue too
        # A cancel interrupts the job's statement (QueryCanceled is an OperationalError).
        if job_cancel_requested(job_id):
            job_finish_cancelled(job_id=job_id)
            return
        job_requeue(job_id=job_id)
        raise self.retry(exc=exc, countdown=min(2**self.request.retries * 5, 300)) from exc


@shared_task
def jobs_fail_abandoned() -> int:
    return fail_abandoned()


@shared_task
def embargoes_ended() -> int:
    """Cached tiles hold only public rows: at the first hour of a day (UTC) on which some
    embargo ended, drop them, so that the data just made public is drawn. Hourly, so a
    worker down at that hour catches up at the next; other hours do nothing."""
    now = timezone.now()
    ended = Dataset.objects.filter(embargo_until=now.date()).count()
    if ended and now.hour < 2:
        with transaction.atomic():
            forget_all_tiles()
    return ended
