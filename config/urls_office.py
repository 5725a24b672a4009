"""The office console, on the bare base domain (public schema)."""

from django.urls import path

from config.urls_common import urlpatterns as common
from tenants import views

urlpatterns = [
    *common,
    path("organisations/", views.OrganisationListView.as_view(), name="organisation_list"),
    path("organisations/new/", views.OrganisationCreateView.as_view(), name="organisation_create"),
    path(
        "organisations/<slug:slug>/",
        views.OrganisationDetailView.as_view(),
        name="organisation_detail",
    ),
    path("organisations/<slug:slug>/invite/", views.InviteView.as_view(), name="invite"),
    path(
        "organisations/<slug:slug>/key-figures/",
        views.KeyFigureCreateView.as_view(),
        name="key_figure_create",
    ),
]
