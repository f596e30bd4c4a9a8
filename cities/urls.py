from django.urls import path

from cities import views

app_name = "cities"

urlpatterns = [
    path("", views.city_index, name="index"),
    path("<slug:slug>/", views.city_detail, name="detail"),
    path("<slug:slug>/districts.geojson", views.city_districts_geojson, name="districts-geojson"),
]
