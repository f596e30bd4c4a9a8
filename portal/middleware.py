from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
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
