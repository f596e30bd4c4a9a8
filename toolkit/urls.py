from django.urls import path

from toolkit import views

app_name = "toolkit"

urlpatterns = [
    path("", views.toolkit_index, name="index"),
]
