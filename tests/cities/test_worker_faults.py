"""A Celery worker killed with SIGKILL in the middle of an import's commit or an analysis
(`make test-long`).

The worker is a real process of its own, on the test database, with short time limits so
that Celery re-delivers the lost message within a minute and the next worker may claim
the job: the commit then runs once, and its rows are written once.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest
from django.db import connection

from cities.gis_io import steps
from cities.models import Import, Job, Site
from tests.cities.gis_io import samples
from tests.cities.gis_io.pipeline import DATASET, importville, upload, validate

__all__ = ["importville"]  # the fixture, from the import tests

pytestmark = [pytest.mark.long, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ROWS = 120_000
LIMIT = 15  # the hard time limit, in seconds; soft: 10; re-delivery after 2 x 15


def worker(env: dict, queue: str = "imports") -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "-c",
            "1",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait(check, seconds: float, step: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not within {seconds} s")


def test_a_commit_whose_worker_is_killed_runs_again_and_writes_once(importville, tmp_path):
    table = pa.table(
        {
            "ref": [f"K{i}" for i in range(ROWS)],
            "name": [f"Workshop {i}" for i in range(ROWS)],
            "nace": ["25"] * ROWS,
            "staff": pa.array([i % 50 for i in range(ROWS)], pa.int32()),
            "geometry": pa.array(
                [
                    samples.point(4.26 + (i % 400) / 1700, 50.76 + (i // 400) / 1400)
                    for i in range(ROWS)
                ],
                pa.binary(),
            ),
        }
    )
    path = tmp_path / "many.gpkg"
    samples._write(
        table, path, driver="GPKG", layer="sites", geometry_type="Point", crs="EPSG:4326"
    )
    imp = validate(upload(path, "sites", importville))
    assert imp.errors == 0
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis:///{connection.settings_dict['NAME']}",
        "CELERY_TASK_TIME_LIMIT": str(LIMIT),
        "CELERY_TASK_SOFT_TIME_LIMIT": "10",
    }
    first = worker(env)
    try:
        imp = steps.import_request_commit(imp=imp, mode="new", dataset_values={**DATASET})
        job = Job.objects.get(pk=imp.job_id)
        # Writing: the job reported its first step and the rows are not committed yet.
        wait(lambda: Job.objects.filter(pk=job.pk, progress__gte=10).exists(), 60)
        time.sleep(1.0)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert not Site.objects.filter(city=importville).exists()
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING  # nobody knows yet

    # The test's own settings decide when the job counts as abandoned: make it so now,
    # as it would be LIMIT + 60 s later.
    Job.objects.filter(pk=job.pk).update(heartbeat_at="2020-01-01T00:00Z")
    second = worker(env)
    try:
        done = wait(
            lambda: Job.objects.filter(pk=job.pk, status__in=["succeeded", "failed"]).first(),
            3 * LIMIT + 60,
            1,
        )
    finally:
        second.terminate()
        second.wait(20)
    assert done.status == Job.Status.SUCCEEDED, done.message
    assert done.attempts == 2
    assert Site.objects.filter(city=importville).count() == ROWS
    assert Import.objects.get(pk=imp.pk).stage == Import.Stage.DONE


def test_an_analysis_whose_worker_is_killed_runs_again_and_keeps_one_result(city, mona):
    """The run is held on a lock (as on a long statement), its worker killed, then freed."""
    from django.db import connections

    from cities.analyses.base import get_kind
    from cities.analyses.services import analysis_request
    from cities.models import Analysis
    from tests.cities.analysis_fixtures import build_land

    build_land(city)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis:///{connection.settings_dict['NAME']}",
        "CELERY_TASK_TIME_LIMIT": str(LIMIT),
        "CELERY_TASK_SOFT_TIME_LIMIT": "10",
    }
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute("LOCK TABLE cities_landzone IN ACCESS EXCLUSIVE MODE")
    first = worker(env, "analyses")
    try:
        analysis = analysis_request(
            user=mona, city=city, kind=get_kind("land-change"),
            params={"year_from": 2009, "year_to": 2019},
        ).analysis  # fmt: skip
        wait(lambda: Job.objects.filter(pk=analysis.job_id, progress__gte=10).exists(), 60)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
        blocker.rollback()
        blocker.close()
    assert not Analysis.objects.get(pk=analysis.pk).features.exists()
    assert Job.objects.get(pk=analysis.job_id).status == Job.Status.RUNNING

    Job.objects.filter(pk=analysis.job_id).update(heartbeat_at="2020-01-01T00:00Z")
    second = worker(env, "analyses")
    try:
        done = wait(
            lambda: Job.objects.filter(
                pk=analysis.job_id, status__in=["succeeded", "failed"]
            ).first(),
            3 * LIMIT + 60,
            1,
        )
    finally:
        second.terminate()
        second.wait(20)
    assert done.status == Job.Status.SUCCEEDED, done.message
    assert done.attempts == 2
    result = Analysis.objects.get(pk=analysis.pk)
    assert result.features.count() == result.feature_count == 5
