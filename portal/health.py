"""GET /healthz: is the database (with PostGIS), Redis and a Celery worker answering?"""

import logging
import threading
import time

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.celery import app as celery_app

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 0.5
# One check every few seconds at most, however often it is polled: a probe that
# finds a check under way answers with the last report instead of waiting for it.
REUSE_SECONDS = 5.0
# The first probe of all has no report to reuse: it waits this long for the check.
WAIT_SECONDS = 1.5

_lock = threading.Lock()  # guards _last and _running
_done = threading.Condition(_lock)
_running = False
_last: tuple[float, dict] | None = None


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version(), current_setting('server_version')")
        postgis, postgres = cursor.fetchone()
    return {"ok": True, "postgis": postgis, "postgresql": postgres}


def _redis() -> dict:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
        return {"ok": True, "version": client.info("server")["redis_version"]}
    finally:
        client.close()


def _celery() -> dict:
    replies = celery_app.control.ping(timeout=TIMEOUT_SECONDS)
    workers = sorted(name for reply in replies for name in reply)
    return {"ok": bool(workers), "workers": workers}


def _check(name: str, check) -> dict:
    try:
        return check()
    except Exception as exc:  # a health check reports every failure, whatever it is
        logger.warning("health check %s failed: %s", name, exc)
        return {"ok": False, "error": exc.__class__.__name__}


def _check_all() -> dict:
    report = {"database": _check("database", _database), "redis": _check("redis", _redis)}
    if report["redis"]["ok"]:
        report["celery"] = _check("celery", _celery)
    else:
        # The workers are reached through Redis: asking them would only wait on its
        # connection retries.
        report["celery"] = {"ok": False, "error": "BrokerUnavailable"}
    return report


def forget() -> None:
    """Drop the remembered report (tests change the world between two checks)."""
    global _last
    with _lock:
        _last = None


def current_report() -> dict:
    """The last report while it is fresh; else one probe checks while the others answer
    with the last report (or, before there is any, wait a bounded time for it)."""
    global _last, _running
    with _lock:
        fresh = _last is not None and time.monotonic() - _last[0] <= REUSE_SECONDS
        if fresh or (_running and _last is not None):
            return _last[1]
        if _running:
            _done.wait_for(lambda: not _running, timeout=WAIT_SECONDS)
            if _last is not None:
                return _last[1]
            return {"checks": {"ok": False, "error": "CheckInProgress"}}
        _running = True
    report = None
    try:
        report = _check_all()
        return report
    finally:
        with _lock:
            _running = False
            if report is not None:
                _last = (time.monotonic(), report)
            _done.notify_all()


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = current_report()
    ok = all(part["ok"] for part in report.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", **report}, status=200 if ok else 503
    )
