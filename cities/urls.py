from django.urls import path

from cities import views

app_name = "cities"

urlpatterns = [
    path("", views.city_index, name="index"),
    path("<slug:slug>/", views.city_detail, name="detail"),
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
