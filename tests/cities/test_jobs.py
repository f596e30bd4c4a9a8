from datetime import timedelta

import pytest
from django.utils import timezone

from cities.jobs import (
    MAX_ATTEMPTS,
    QUEUE_PATIENCE,
    job_claim,
    job_execute,
    job_fail,
    jobs_fail_abandoned,
    register_job_kind,
)
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


def _age(job: Job, **fields) -> None:
    Job.objects.filter(pk=job.pk).update(**fields)


def test_a_job_whose_worker_died_is_claimed_again_when_its_message_comes_back(city, settings):
    job = Job.objects.create(kind="city_areas", city=city)
    assert job_claim(job_id=job.pk)
    # The worker died mid-run: no sign of life for longer than the hard time limit.
    _age(
        job, heartbeat_at=timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    )

    assert job_execute(job_id=job.pk) is not None

    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 2)


def test_a_running_job_with_a_live_worker_is_not_claimed_twice(city):
    job = Job.objects.create(kind="city_areas", city=city)
    assert job_claim(job_id=job.pk)
    assert not job_claim(job_id=job.pk)


def test_a_job_that_keeps_killing_its_worker_is_failed_after_three_attempts(city, settings):
    job = Job.objects.create(kind="city_areas", city=city)
    dead = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    for _ in range(MAX_ATTEMPTS):
        assert job_claim(job_id=job.pk)
        _age(job, heartbeat_at=dead)
    assert not job_claim(job_id=job.pk)

    assert jobs_fail_abandoned() == 1

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "worker stopped" in job.message


def test_a_job_whose_message_never_came_back_is_failed_with_a_reason(city, settings):
    redelivery = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    dead = Job.objects.create(kind="city_areas", city=city)
    job_claim(job_id=dead.pk)
    _age(dead, heartbeat_at=timezone.now() - timedelta(seconds=redelivery + 15 * 60))
    alive = Job.objects.create(kind="city_areas", city=city)
    job_claim(job_id=alive.pk)

    assert jobs_fail_abandoned() == 1

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == Job.Status.FAILED
    assert "worker stopped" in dead.message
    assert alive.status == Job.Status.RUNNING


def test_a_job_nobody_picked_up_within_a_day_is_failed_with_a_reason(city):
    waiting = Job.objects.create(kind="city_areas", city=city)
    _age(waiting, queued_at=timezone.now() - QUEUE_PATIENCE - timedelta(minutes=1))
    fresh = Job.objects.create(kind="city_areas", city=city)

    assert jobs_fail_abandoned() == 1

    waiting.refresh_from_db()
    fresh.refresh_from_db()
    assert waiting.status == Job.Status.FAILED
    assert "Is the worker running?" in waiting.message
    assert fresh.status == Job.Status.QUEUED


def test_a_job_kind_must_name_a_queue_a_worker_listens_on():
    with pytest.raises(ValueError, match="not one of"):
        register_job_kind("nowhere", queue="no-such-queue")


def test_a_fresh_process_knows_every_job_kind():
    """A Celery worker is a process of its own: it must find the kinds without the web's
    modules (the import steps register theirs when cities is ready)."""
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from cities.jobs import _KINDS; "
        "print(','.join(sorted(_KINDS)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    kinds = set(done.stdout.strip().split(","))
    assert {"city_areas", "import_inspect", "import_validate", "import_commit", "partner_bulk"} <= (
        kinds
    )
