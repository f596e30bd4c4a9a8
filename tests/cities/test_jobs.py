from datetime import timedelta

import pytest
from django.utils import timezone

from cities.jobs import job_execute, job_fail, jobs_fail_abandoned
from cities.models import Job
from tests.factories import CityFactory, DistrictFactory


@pytest.fixture
def city(db):
    city = CityFactory()
    DistrictFactory(city=city)
    return city


def test_a_queued_job_runs_to_success_with_its_result(city):
    job = Job.objects.create(kind="city_areas", city=city)

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.progress == 100
    assert job.result["districts_updated"] == 1
    assert job.result["city_area_km2"] > 0
    assert job.started_at is not None and job.finished_at is not None


def test_a_job_runs_only_once_when_delivered_twice(city):
    job = Job.objects.create(kind="city_areas", city=city)
    assert job_execute(job_id=job.pk) is not None
    assert job_execute(job_id=job.pk) is None  # another worker got there first
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED


def test_a_failed_job_is_not_run_again(city):
    job = Job.objects.create(kind="city_areas", city=city)
    job_fail(job_id=job.pk, message="Failed: boom")
    assert job_execute(job_id=job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.message) == (Job.Status.FAILED, "Failed: boom")


def test_a_job_whose_worker_died_is_failed_with_a_reason(city, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    dead = Job.objects.create(kind="city_areas", city=city, status=Job.Status.RUNNING)
    Job.objects.filter(pk=dead.pk).update(heartbeat_at=long_ago)
    alive = Job.objects.create(
        kind="city_areas", city=city, status=Job.Status.RUNNING, heartbeat_at=timezone.now()
    )

    assert jobs_fail_abandoned() == 1

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == Job.Status.FAILED
    assert "worker stopped" in dead.message
    assert alive.status == Job.Status.RUNNING


def test_a_job_nobody_picked_up_is_failed_with_a_reason(city, settings):
    waited = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + 60
    job = Job.objects.create(kind="city_areas", city=city)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=waited))

    assert jobs_fail_abandoned() == 1

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "Is the worker running?" in job.message
