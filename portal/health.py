"""GET /healthz: is the database (with PostGIS), Redis and a Celery worker answering?"""

import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.celery import app as celery_app

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 1.0


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


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = {}
    for name, check in CHECKS.items():
        try:
            report[name] = check()
        except Exception as exc:  # a health check reports every failure, whatever it is
            logger.warning("health check %s failed: %s", name, exc)
            report[name] = {"ok": False, "error": exc.__class__.__name__}
    ok = all(part["ok"] for part in report.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", **report}, status=200 if ok else 503
    )
