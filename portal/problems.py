"""Every refusal of the API as RFC 9457 problem details (`application/problem+json`).

DRF's exceptions (validation, authentication, permission, not found, throttling, ...)
become `{"type", "title", "status", "detail"}`, with `errors` (field: messages) for invalid
input; an address under /api/v1/ that matches nothing answers the same way
(`ApiProblemMiddleware`). The OpenAPI
schema declares these answers for every operation (`document_problems`, a drf-spectacular
post-processing hook).
"""

import json
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler

from toolkit.selectors import FACETS

PROBLEM = "application/problem+json"
_MEMBERS = {"type", "title", "status", "detail", "instance", "errors"}


def problem_body(status: int, detail: str = "", **extra) -> dict:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    return {**body, **extra}


def problem_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        body = problem_body(
            response.status_code,
            _("The request is not valid: %(fields)s.") % {"fields": ", ".join(map(str, errors))},
            errors=errors,
        )
        # The first form, each field's messages at the top, kept for one release.
        body = {**{k: v for k, v in errors.items() if k not in _MEMBERS}, **body}
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else ""
        body = problem_body(response.status_code, str(detail))
    response.data = body
    response.content_type = PROBLEM
    return response


# The API's parameters that may be repeated (the toolkit's facets); any other given twice is
# ambiguous (Django would quietly take the last), so it is refused.
REPEATABLE = {"/api/v1/tools/": set(FACETS)}


def _repeated(request: HttpRequest) -> list[str]:
    if not request.path.startswith("/api/v1/"):
        return []
    allowed = REPEATABLE.get(request.path, set())
    return sorted(k for k, v in request.GET.lists() if len(v) > 1 and k not in allowed)


class ApiProblemMiddleware:
    """Under /api/v1/, a refusal made outside DRF (an address that matches nothing, a NUL
    byte, Django's own 400s and 405s) is problem details too, not an HTML page; and a
    parameter given twice is refused."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        repeated = _repeated(request)
        if repeated:
            body = problem_body(
                400,
                _("Give each of these parameters once: %(names)s.")
                % {"names": ", ".join(repeated)},
                errors={name: [_("Given more than once.")] for name in repeated},
            )
            return HttpResponse(json.dumps(body), status=400, content_type=PROBLEM)
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/v1/")
            or response.get("Content-Type", "").startswith(("application/problem+json",
                                                             "application/json"))
        ):  # fmt: skip
            return response
        if response.status_code == 404:
            detail = _("Nothing is at this address: /api/docs/ lists the API.")
        elif response.get("Content-Type", "").startswith("text/plain"):
            detail = response.content.decode("utf-8", "replace")[:500]
        else:
            detail = ""
        problem = HttpResponse(
            json.dumps(problem_body(response.status_code, detail)),
            status=response.status_code,
            content_type=PROBLEM,
        )
        for header in ("Allow", "Retry-After", "WWW-Authenticate", "Vary"):
            if header in response:
                problem[header] = response[header]
        return problem


# ---- The schema --------------------------------------------------------------------------

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "description": "Invalid input: for a parameter or field, its messages; for bulk "
            "writes, a list of rows' problems.",
            "oneOf": [
                {"type": "object", "additionalProperties": True},
                {"type": "array", "items": {"type": "object", "additionalProperties": True}},
            ],
        },
        "error_count": {"type": "integer"},
    },
    "additionalProperties": True,
}

# What every operation may answer, and what writes may answer besides.
_EVERY = {
    "400": "Invalid parameters or body: `errors` names each.",
    "401": "The token is missing, unknown, expired or revoked (`WWW-Authenticate: Bearer`).",
    "403": "The token or account may not do this.",
    "404": "No such resource.",
    "406": "The `Accept` header or `format` asks for a type this operation does not serve.",
    "429": "Over the rate limit: wait for `Retry-After` seconds.",
}
_WRITES = {
    "405": "The method is not allowed here (`Allow` lists those that are).",
    "409": "The write breaks a rule of the data.",
    "413": "The body is too large.",
    "415": "The body's media type is not one this operation reads.",
    "422": "The body is well formed but its rows have errors.",
}


def document_problems(result: dict, generator, request, public) -> dict:
    """Add the problem-details answers to every operation of the schema."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            answers = dict(_EVERY)
            if method in ("post", "put", "patch", "delete"):
                answers.update(_WRITES)
            for status, description in answers.items():
                response = operation["responses"].setdefault(status, {"description": description})
                response.setdefault("description", description)
                response["content"] = {PROBLEM: {"schema": reference}}
            operation["responses"] = dict(sorted(operation["responses"].items()))
    return result
