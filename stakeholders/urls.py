from django.urls import path

from stakeholders import views

app_name = "stakeholders"

urlpatterns = [
    path("", views.maker_directory, name="directory"),
    path("map.geojson", views.directory_map, name="map"),
    path("register/", views.RegisterWorkspace.as_view(), name="register"),
    path("<slug:slug>/", views.workspace_detail, name="workspace"),
    path("<slug:slug>/edit/", views.workspace_edit, name="edit"),
    path("<slug:slug>/confirm/", views.workspace_confirm_view, name="confirm"),
    path("<slug:slug>/close/", views.workspace_close_view, name="close"),
    path("<slug:slug>/photos/<int:pk>/", views.photo_file, name="photo"),
    path("<slug:slug>/photos/<int:pk>/delete/", views.photo_delete, name="photo-delete"),
]
