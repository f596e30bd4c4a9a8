"""Redis or the database out: the portal answers, and says so where it cannot.

The outages are real: the cache, the broker or the database is pointed at a port of this
machine that nothing listens on (port 1), so every call meets a refused connection.
"""

import threading
import time
from datetime import timedelta

import mapbox_vector_tile
import pytest
from django.db import connection
from django.test import Client

from cities.models import Site
from portal import health
from portal.celery import app as celery_app
from stakeholders.models import ModerationEvent
from stakeholders.notifications import events_unsent
from stakeholders.services import Decision, workspace_decide
from tests.cities.test_tiles import tile_of

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}


def _forget_broker_connections() -> None:
    """The app's pools are rebuilt for the broker URL of the moment. (kombu keeps one pool per
    URL for the whole process: closing it would break every later send to that broker.)"""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    before = celery_app.conf.broker_url
    _forget_broker_connections()
    celery_app.conf.broker_url = DEAD_REDIS
    yield
    _forget_broker_connections()
    celery_app.conf.broker_url = before


@pytest.fixture
def database_down(django_db_blocker):
    """The default connection re-pointed at a closed port (outside any test transaction)."""
    with django_db_blocker.unblock():
        connection.close()
        before = connection.settings_dict["PORT"]
        connection.settings_dict["PORT"] = "1"
        connection.settings_dict["HOST"] = connection.settings_dict["HOST"] or "127.0.0.1"
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict["PORT"] = before


@pytest.fixture
def visitor():
    """A client that gets the answer a person would, not the exception."""
    return Client(raise_request_exception=False)


# ---- Redis down --------------------------------------------------------------------------


@pytest.mark.usefixtures("demo", "cache_down")
def test_tiles_are_built_from_postgis_without_the_cache(visitor):
    site = Site.objects.filter(city__slug="brussels", year_closed__isnull=True).first()
    z, x, y = tile_of(site.geom.x, site.geom.y, 16)
    response = visitor.get(f"/tiles/sites/{z}/{x}/{y}.pbf")
    assert response.status_code == 200
    assert "ETag" not in response  # no data version vouches for it
    features = mapbox_vector_tile.decode(response.content)["sites"]["features"]
    assert site.pk in {feature["properties"]["id"] for feature in features}


@pytest.mark.usefixtures("demo", "cache_down")
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/cities/brussels/",
        "/toolkit/?q=space",
        "/makers/",
        "/api/v1/sites/?city=brussels&limit=5",
        "/api/v1/tools/",
        "/ogc/collections/sites/items?limit=5",
    ],
)
def test_pages_and_api_reads_work(visitor, url):
    assert visitor.get(url).status_code == 200


@pytest.mark.usefixtures("cache_down")
def test_signing_in_answers_a_clear_503_page(visitor, django_user_model):
    django_user_model.objects.create_user("cleo", "cleo@example.org", "right-pass-phrase")
    response = visitor.post("/accounts/login/", {"login": "cleo", "password": "right-pass-phrase"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "The portal is briefly unavailable" in page
    assert 'lang="fr"' in page and 'lang="nl"' in page


@pytest.mark.usefixtures("demo", "broker_down")
def test_a_moderation_decision_gives_up_on_the_queue_within_a_second(
    pending, mona, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        workspace_decide(workspace=pending, by=mona, decision=Decision.APPROVE)
    assert time.monotonic() - started < 1.0
    pending.refresh_from_db()
    assert pending.status == "approved"
    event = ModerationEvent.objects.get(workspace=pending, action="approved")
    assert event.notified_at is None
    # The sweep sends it once the queue is back.
    assert event.pk in events_unsent(older_than=timedelta(0))


# ---- /healthz ----------------------------------------------------------------------------


@pytest.fixture
def _fresh_report():
    health.forget()
    yield
    health.forget()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_fresh_report")
def test_healthz_answers_within_two_seconds_to_ten_concurrent_probes_with_redis_down(settings):
    settings.REDIS_URL = DEAD_REDIS
    answers: list[tuple[int, float]] = []

    def probe() -> None:
        started = time.monotonic()
        response = Client().get("/healthz")
        answers.append((response.status_code, time.monotonic() - started))

    threads = [threading.Thread(target=probe) for _ in range(10)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 2.0
    assert [status for status, _ in answers] == [503] * 10
    assert max(seconds for _, seconds in answers) < 2.0
    body = Client().get("/healthz").json()  # reused, not checked again
    assert body["redis"]["ok"] is False
    assert body["celery"] == {"ok": False, "error": "BrokerUnavailable"}


# ---- The database down --------------------------------------------------------------------


@pytest.mark.usefixtures("database_down")
def test_with_the_database_down_a_page_is_a_503_page(visitor):
    started = time.monotonic()
    response = visitor.get("/toolkit/")
    assert time.monotonic() - started < 5.0
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "The portal is briefly unavailable" in response.content.decode()


@pytest.mark.usefixtures("database_down")
@pytest.mark.parametrize("url", ["/api/v1/sites/", "/ogc/collections", "/healthz"])
def test_with_the_database_down_the_api_answers_json_503(visitor, url):
    response = visitor.get(url)
    assert response.status_code == 503
    assert response["Content-Type"].startswith(("application/problem+json", "application/json"))
    assert response.json()["status"] in (503, "unavailable")
