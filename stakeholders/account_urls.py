from django.urls import path

from stakeholders import account_views as views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/city/<slug:slug>/", views.city_dashboard, name="city-dashboard"),
    path("privacy/", views.privacy, name="privacy"),
    path("account/data/", views.data_export, name="data-export"),
    path("account/delete/", views.delete_account, name="delete-account"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    path(
        "organisations/<slug:slug>/members/<int:pk>/remove/",
        views.membership_delete,
        name="membership-remove",
    ),
    path("organisations/<slug:slug>/tokens/new/", views.token_create_view, name="token-create"),
    path(
        "organisations/<slug:slug>/datasets/new/", views.dataset_create_view, name="dataset-create"
    ),
    path(
        "organisations/<slug:slug>/datasets/<slug:dataset>/embargo/",
        views.dataset_embargo_view,
        name="dataset-embargo",
    ),
    path(
        "organisations/<slug:slug>/tokens/<int:pk>/revoke/",
        views.token_revoke_view,
        name="token-revoke",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
