"""When Redis or the database is out: a 503 that says so, never a 500 or a hang.

Django calls `handler500` inside the `except` block of the failed request, so the error
is at hand. An outage of a service we depend on is not a bug of ours: the answer is a
503 with `Retry-After`, a page for people and problem details for machines. The page is
drawn without the request's context (no user, no session: they may be what is down).
"""

import json
import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views.defaults import server_error
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# Addresses read by programs: their 503 is problem details, not a page.
MACHINE_PREFIXES = ("/api/", "/ogc/", "/tiles/", "/export/", "/healthz")


def is_outage(exc: BaseException | None) -> bool:
    """A service is unreachable: Redis, or the database's connection (OperationalError,
    InterfaceError), not a query the database refused (IntegrityError, ...)."""
    while exc is not None:
        if isinstance(exc, RedisError | OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def service_unavailable(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(MACHINE_PREFIXES):
        body = {
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "A service the portal depends on is unavailable; try again shortly.",
        }
        response = HttpResponse(
            json.dumps(body), status=503, content_type="application/problem+json"
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def handler500(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    if is_outage(exc):
        logger.error("answering 503, a service is unavailable: %r", exc)
        return service_unavailable(request)
    return server_error(request)
