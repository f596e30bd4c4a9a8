"""The partner API: /api/v1/ (versioned resources), /api/schema/ and /api/docs/."""

from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from cities.api import CityViewSet, DistrictViewSet

router = DefaultRouter()
router.register("cities", CityViewSet, basename="city")
router.register("districts", DistrictViewSet, basename="district")

app_name = "api"

DOCS_CSP = csp_update({"style-src": ["'unsafe-inline'"]})

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(urlconf="portal.urls"), name="schema"),
    # The split view serves its start-up script as a file, so no inline script is
    # allowed; only the documentation page's template carries an inline <style>.
    # (Redoc is not offered: its template starts with an inline script.)
    path(
        "docs/",
        DOCS_CSP(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
]
