"""The staff data area, under /staff/data/."""

from django.urls import path

from cities import data_views

app_name = "data"

urlpatterns = [
    path("", data_views.data_home, name="home"),
    path("imports/new/", data_views.import_new, name="import-new"),
    path("cities/new/", data_views.city_new, name="city-new"),
    path("imports/<int:pk>/", data_views.import_detail, name="import"),
    path("imports/<int:pk>/status.json", data_views.import_status, name="import-status"),
    path("imports/<int:pk>/report.csv", data_views.import_report_csv, name="import-report"),
    path("datasets/<slug:slug>/delete/", data_views.dataset_delete_view, name="dataset-delete"),
]
