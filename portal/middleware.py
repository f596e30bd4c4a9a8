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
