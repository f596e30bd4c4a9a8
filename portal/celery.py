"""The Celery application: configured from Django settings (the CELERY_ names)."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

logger = logging.getLogger(__name__)

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A web request that hands work to the queue tries twice within half a second, then gives
# up and leaves the work to a sweep: with Redis down it must not hold its thread.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0.2,
    "interval_step": 0,
    "interval_max": 0.2,
}


def publish(name: str, args: list, *, queue: str | None = None) -> bool:
    """Send task `name` once; False (logged) when the broker cannot be reached.

    The work is tracked in the database (a job, an event not yet notified), so nobody
    waits on a Celery result: none is stored, and the result backend is never asked.
    """
    try:
        app.send_task(
            name, args=args, queue=queue, ignore_result=True,
            retry=True, retry_policy=PUBLISH_RETRY_POLICY,
        )  # fmt: skip
    except Exception as exc:  # kombu's and redis' connection errors have no common base
        logger.warning("task %s not sent, the queue is unavailable: %r", name, exc)
        return False
    return True
