from django.urls import path

from toolkit import views

app_name = "toolkit"

urlpatterns = [
    path("toolkit/", views.toolkit_index, name="index"),
    path("toolkit/start/", views.start, name="start"),
    path("toolkit/<slug:slug>/", views.tool_detail, name="tool"),
    path("toolkit/<slug:slug>/pdf/", views.tool_pdf_download, name="tool-pdf"),
    path("case-studies/", views.case_study_list, name="case-studies"),
    path("case-studies/<slug:slug>/", views.case_study_detail, name="case-study"),
    path("cities/<slug:slug>/plan/", views.city_plan, name="plan"),
    path("events/", views.event_list, name="events"),
]
