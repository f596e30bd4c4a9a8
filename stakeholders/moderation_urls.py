from django.urls import path

from stakeholders import moderation_views as views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<slug:slug>/", views.review, name="review"),
]
