"""A real Celery worker in a thread of the test process, on the test's Redis and database."""

from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker

from portal.celery import app


@contextmanager
def celery_worker(*queues: str):
    """Takes the tasks of these queues while the block runs. Its thread has its own database
    connection: it sees committed data only (transactional_db, or the live server's)."""
    app.loader.import_module("celery.contrib.testing.tasks")
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        queues=list(queues),
        perform_ping_check=False,
        shutdown_timeout=10,
    ) as controller:
        yield controller
