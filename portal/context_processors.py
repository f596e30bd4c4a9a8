from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url


def site(request: HttpRequest) -> dict:
    """The language switcher's links: this page in each language."""
    path = request.get_full_path()
    return {
        "map_basemap_url": settings.MAP_BASEMAP_URL,
        "map_basemap_attribution": settings.MAP_BASEMAP_ATTRIBUTION,
        "language_links": [
            {"code": code, "name": name, "url": translate_url(path, code)}
            for code, name in settings.LANGUAGES
        ],
    }
