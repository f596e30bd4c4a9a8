from django.urls import include, path

from cities import analysis_views as av
from cities import views

app_name = "cities"

analyses = [
    path("", av.analyses_index, name="analyses"),
    path("run/<slug:kind>/", av.analysis_run, name="analysis-run"),
    path("<int:pk>/", av.analysis_detail, name="analysis"),
    path("<int:pk>/status.json", av.analysis_status, name="analysis-status"),
    path("<int:pk>/delete/", av.analysis_delete, name="analysis-delete"),
    path("<int:pk>/result.geojson", av.analysis_geojson, name="analysis-geojson"),
    path("<int:pk>/<slug:table>.csv", av.analysis_table_csv, name="analysis-csv"),
    path("<int:pk>/tiles/<int:z>/<int:x>/<int:y>.pbf", av.analysis_tile, name="analysis-tile"),
]

urlpatterns = [
    path("", views.city_index, name="index"),
    path("<slug:slug>/", views.city_detail, name="detail"),
    path("<slug:slug>/analyses/", include(analyses)),
    path("<slug:slug>/districts.geojson", views.city_districts_geojson, name="districts-geojson"),
    path("<slug:slug>/zones.geojson", views.city_zones_geojson, name="zones-geojson"),
    path(
        "<slug:slug>/zones-lost.geojson", views.city_zones_lost_geojson, name="zones-lost-geojson"
    ),
    path("<slug:slug>/flows.geojson", views.city_flows_geojson, name="flows-geojson"),
    path(
        "<slug:slug>/layers/<slug:layer>.geojson",
        views.city_app_layer_geojson,
        name="app-layer-geojson",
    ),
    path(
        "<slug:slug>/context/<slug:layer>.geojson",
        views.city_context_geojson,
        name="context-geojson",
    ),
]
