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

TIMEOUT_SECONDS = 1.0
# One check every few seconds at most, however often it is polled: a Celery ping
# blocks for up to TIMEOUT_SECONDS, and the web server has few threads.
REUSE_SECONDS = 5.0

_lock = threading.Lock()
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


CHECKS = {"database": _database, "redis": _redis, "celery": _celery}


def _check_all() -> dict:
    report = {}
    for name, check in CHECKS.items():
        try:
            report[name] = check()
        except Exception as exc:  # a health check reports every failure, whatever it is
            logger.warning("health check %s failed: %s", name, exc)
            report[name] = {"ok": False, "error": exc.__class__.__name__}
    return report


def forget() -> None:
    """Drop the remembered report (tests change the world between two checks)."""
    global _last
    with _lock:
        _last = None


def current_report() -> dict:
    global _last
    with _lock:
        if _last is None or time.monotonic() - _last[0] > REUSE_SECONDS:
            _last = (time.monotonic(), _check_all())
        return _last[1]


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = current_report()
    ok = all(part["ok"] for part in report.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", **report}, status=200 if ok else 503
    )
