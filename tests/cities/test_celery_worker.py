"""The whole Celery path, for real: Redis broker, a worker thread, results in PostGIS."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from cities.jobs import job_enqueue
from cities.models import Job
from portal.celery import app
from tests.factories import CityFactory, DistrictFactory


@pytest.fixture
def worker(transactional_db):
    # The worker thread has its own database connection, so the test's data
    # must be committed (transactional_db) for it to be seen.
    app.loader.import_module("celery.contrib.testing.tasks")
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        queues=["default", "analyses", "imports"],
        perform_ping_check=False,
        shutdown_timeout=10,
    ) as controller:
        yield controller


def _wait_for(job: Job, timeout: float = 20) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} still {job.status} after {timeout} s")


def test_an_enqueued_job_is_sent_on_commit_and_its_result_lands_in_the_database(worker):
    city = CityFactory()
    DistrictFactory(city=city)

    with transaction.atomic():
        job = job_enqueue(kind="city_areas", city=city)
        # Were the task sent now, the worker would find no committed job, skip
        # it, and the job would never finish: give it the time to do so.
        time.sleep(0.5)

    job = _wait_for(job)
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.result["districts_updated"] == 1
    city.refresh_from_db()
    assert city.area_km2 == pytest.approx(job.result["city_area_km2"], abs=0.001)


def test_a_job_that_raises_is_marked_failed_with_the_reason(worker):
    job = job_enqueue(kind="city_areas", city=None)  # the runner needs a city

    job = _wait_for(job)
    assert job.status == Job.Status.FAILED
    assert "needs a city" in job.message
