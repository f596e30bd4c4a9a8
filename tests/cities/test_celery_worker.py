"""The whole Celery path, for real: Redis broker, a worker thread, results in PostGIS."""

import time

import pytest
from django.db import transaction

from cities.jobs import job_enqueue
from cities.models import Job
from tests.factories import CityFactory, DistrictFactory
from tests.workers import celery_worker


@pytest.fixture
def worker(transactional_db):
    # The worker thread has its own database connection, so the test's data
    # must be committed (transactional_db) for it to be seen.
    with celery_worker("default", "analyses", "imports") as controller:
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


# ---- Map analyses ---------------------------------------------------------------------


def _analysis(user, city, kind="land-change", **params):
    from cities.analyses.base import get_kind
    from cities.analyses.services import analysis_request

    params = params or {"year_from": 2009, "year_to": 2019}
    return analysis_request(user=user, city=city, kind=get_kind(kind), params=params).analysis


def test_an_analysis_runs_on_the_worker_and_its_features_stay(worker, city, mona):
    from tests.cities.analysis_fixtures import build_land

    build_land(city)

    analysis = _analysis(mona, city)

    job = _wait_for(analysis.job)
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.progress == 100 and job.result["features"] == 5
    analysis.refresh_from_db()
    assert analysis.summary["totals"]["lost_ha"] == pytest.approx(3, abs=1e-3)
    assert analysis.features.count() == 5


def test_a_cancel_stops_a_running_analysis_within_seconds_and_keeps_nothing(worker, city, mona):
    """The run is held on a lock, as on a long statement; the cancel interrupts it."""
    from django.db import connections

    from cities.analyses.services import analysis_cancel
    from tests.cities.analysis_fixtures import build_land

    build_land(city)
    blocker = connections.create_connection("default")
    try:
        blocker.set_autocommit(False)
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE cities_landzone IN ACCESS EXCLUSIVE MODE")
        analysis = _analysis(mona, city)
        job = analysis.job
        deadline = time.monotonic() + 20
        while job.progress < 10 and time.monotonic() < deadline:
            time.sleep(0.1)
            job.refresh_from_db()
        # Its progress shows while its transaction is still open.
        assert job.status == Job.Status.RUNNING and "Merging the land zones" in job.message

        asked = time.monotonic()
        assert analysis_cancel(analysis=analysis)
        job = _wait_for(job, timeout=10)
        assert time.monotonic() - asked < 5
    finally:
        blocker.rollback()
        blocker.close()
    assert job.status == Job.Status.CANCELLED
    analysis.refresh_from_db()
    assert not analysis.features.exists() and analysis.summary in (None, {})
