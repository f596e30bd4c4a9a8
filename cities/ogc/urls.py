from django.urls import path

from cities.ogc import views

app_name = "ogc"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("conformance", views.conformance, name="conformance"),
    path("api", views.api, name="api"),
    path("collections", views.collections, name="collections"),
    path("collections/<str:collection_id>", views.collection, name="collection"),
    path("collections/<str:collection_id>/items", views.items, name="items"),
    path("collections/<str:collection_id>/queryables", views.queryables, name="queryables"),
    path("collections/<str:collection_id>/schema", views.schema, name="schema"),
    path("collections/<str:collection_id>/items/<str:fid>", views.item, name="item"),
]
