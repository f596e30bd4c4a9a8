"""The partner API: /api/v1/ (versioned resources), /api/schema/ and /api/docs/."""

from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from cities.analyses.api import AnalysisViewSet
from cities.api import (
    CityViewSet,
    DistrictViewSet,
    IndicatorViewSet,
    LandZoneViewSet,
    MaterialFlowViewSet,
    SectorViewSet,
    SiteViewSet,
)
from stakeholders.api import OwnWorkspaceViewSet, WorkspaceViewSet
from stakeholders.datasets_api import BulkJobView, BulkWriteView
from toolkit.api import CaseStudyViewSet, EventViewSet, PlanViewSet, ThemeViewSet, ToolViewSet

router = DefaultRouter()
router.register("cities", CityViewSet, basename="city")
router.register("districts", DistrictViewSet, basename="district")
router.register("sectors", SectorViewSet, basename="sector")
router.register("sites", SiteViewSet, basename="site")
router.register("zones", LandZoneViewSet, basename="zone")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("flows", MaterialFlowViewSet, basename="flow")
router.register("analyses", AnalysisViewSet, basename="analysis")
router.register("tools", ToolViewSet, basename="tool")
router.register("themes", ThemeViewSet, basename="theme")
router.register("case-studies", CaseStudyViewSet, basename="case-study")
router.register("plans", PlanViewSet, basename="plan")
router.register("events", EventViewSet, basename="event")
router.register("workspaces", WorkspaceViewSet, basename="workspace")
router.register("me/workspaces", OwnWorkspaceViewSet, basename="own-workspace")

app_name = "api"

urlpatterns = [
    # Before the router. With or without a trailing slash (a POST cannot be redirected);
    # the schema shows the address without.
    path("v1/datasets/<slug:slug>/<slug:kind>/bulk", BulkWriteView.as_view(), name="dataset-bulk"),
    path("v1/datasets/<slug:slug>/<slug:kind>/bulk/", BulkWriteView.as_view(schema=None)),
    path("v1/datasets/<slug:slug>/jobs/<int:job_id>", BulkJobView.as_view(), name="dataset-job"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(urlconf="portal.urls"), name="schema"),
    # The split view serves its start-up script as a file and our template has
    # no inline style, so the page needs no exception to the CSP.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="portal/api_docs.html"
        ),
        name="docs",
    ),
]
