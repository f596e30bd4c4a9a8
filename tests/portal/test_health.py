import pytest
from celery.contrib.testing.worker import start_worker

from portal import health
from portal.celery import app


@pytest.fixture(autouse=True)
def _fresh_report():
    health.forget()
    yield
    health.forget()


@pytest.mark.django_db
def test_it_reports_the_database_and_redis_and_a_missing_worker_with_503(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] is True
    assert body["database"]["postgis"].startswith("3.")
    assert body["redis"]["ok"] is True
    assert body["celery"] == {"ok": False, "workers": []}


@pytest.mark.django_db
def test_it_says_which_part_is_down_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    body = client.get("/healthz").json()

    assert body["redis"] == {"ok": False, "error": "ConnectionError"}
    assert body["database"]["ok"] is True


@pytest.mark.django_db(transaction=True)
def test_it_is_healthy_with_a_running_worker(client):
    app.loader.import_module("celery.contrib.testing.tasks")
    with start_worker(
        app, pool="solo", queues=["default"], perform_ping_check=False, shutdown_timeout=10
    ):
        response = client.get("/healthz")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert len(body["celery"]["workers"]) == 1


@pytest.mark.django_db
def test_polling_it_often_runs_the_checks_once_every_few_seconds(client, settings):
    first = client.get("/healthz").json()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # would fail if checked again now
    assert client.get("/healthz").json() == first
