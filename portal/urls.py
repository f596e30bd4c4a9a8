from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from cities.data_views import dataset_detail, export
from cities.views import tile
from portal import health, views

# The admin signs people in through the accounts pages, so that their rate
# limits and lock-out cover every way in.
admin.site.login = views.admin_login
handler500 = "portal.outages.handler500"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("portal.api_urls")),
    path("ogc/", include("cities.ogc.urls")),
    path("tiles/<slug:layer>/<int:z>/<int:x>/<int:y>.pbf", tile, name="tile"),
    path("export/<slug:layer>.<slug:fmt>", export, name="export"),
    path(
        "favicon.ico",
        RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg", permanent=True),
    ),
]

# Pages for people: English at the root, French under /fr/, Dutch under /nl/.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("", include("toolkit.urls")),
    path("cities/", include("cities.urls")),
    path("makers/", include("stakeholders.urls")),
    path("", include("stakeholders.account_urls")),
    path("staff/workspaces/", include("stakeholders.moderation_urls")),
    path("staff/data/", include("cities.data_urls")),
    path("data/<slug:slug>/", dataset_detail, name="dataset"),
    path("staff/", include("toolkit.staff_urls")),
    prefix_default_language=False,
)

# Uploaded files (tool resources, case-study images): served by Django only in
# development; in production the web server in front serves MEDIA_ROOT.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
