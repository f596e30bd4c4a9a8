from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import translation


class APILanguageMiddleware:
    """Let API clients choose the language with Accept-Language.

    Pages take their language from the URL prefix (/fr/, /nl/); the API has no
    prefix, where LocaleMiddleware would always pick English.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class RejectNulBytesMiddleware:
    """A NUL byte in the address is never meaningful, and PostgreSQL refuses it in text:
    answer 400 here rather than a database error deeper down."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest("A NUL byte is not allowed in the address.")
        return self.get_response(request)


class InvalidFormStatusMiddleware:
    """A posted form shown again with its errors answers 400, not 200.

    Our own views set the status themselves; this covers the views of libraries
    that render a TemplateResponse (django-allauth's sign-in, sign-up, password and
    email pages, formtools' wizard steps), so that every refusal is a 4xx.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_template_response(self, request: HttpRequest, response):
        if request.method != "POST" or response.status_code != 200:
            return response
        form = (response.context_data or {}).get("form")
        if form is None or not getattr(form, "is_bound", False):
            return response
        errors = form.errors
        if any(errors) if isinstance(errors, list) else bool(errors):
            response.status_code = 400
        return response


class RateLimitHeadersMiddleware:
    """`RateLimit-Limit`, `-Remaining`, `-Reset` and `-Policy` (IETF httpapi draft) on
    every API answer a rate limit counted (portal.throttling leaves them on the request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        known = getattr(request, "ratelimit", None)
        if known is not None:
            limit, remaining, reset, window = known
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
            response["RateLimit-Policy"] = f"{limit};w={window}"
        return response


class PublicReadCorsMiddleware:
    """CORS for the public read API (`/api/v1/`, `/ogc/`): any web page may read it.

    Reads only: a preflight is answered for GET and HEAD, never for writes, and no
    credentials are allowed (`*`), so a page elsewhere reads what a visitor or its own
    token may read, and cannot act with a signed-in person's cookies.
    """

    PREFIXES = ("/api/v1/", "/ogc/")
    READS = ("GET", "HEAD")
    EXPOSED = (
        "Link, Content-Crs, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After,"
        " Deprecation"
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(self.PREFIXES):
            return self.get_response(request)
        asked = request.headers.get("Access-Control-Request-Method")
        if request.method == "OPTIONS" and asked:
            response = HttpResponse(status=204)
            if asked.upper() in self.READS:
                response["Access-Control-Allow-Origin"] = "*"
                response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
                response["Access-Control-Allow-Headers"] = (
                    "Authorization, Accept, Accept-Language, Content-Type"
                )
                response["Access-Control-Max-Age"] = "86400"
            return response
        response = self.get_response(request)
        if request.method in self.READS:
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = self.EXPOSED
        return response
