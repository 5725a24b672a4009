"""The office console, on the bare base domain (public schema)."""

from django.urls import include, path

from config.urls_common import urlpatterns as common
from robots import views as robots_views
from tenants import accessibility, views

urlpatterns = [
    *common,
    path("billing/stripe/", include("billing.stripe_urls")),
    path("billing/", include("billing.urls")),
    path("members/", include("members.urls")),
    path(
        "accessibility/edit/",
        accessibility.StatementEditView.as_view(),
        name="accessibility_statement_edit",
    ),
    path("runners/", robots_views.RunnerListView.as_view(), name="runners"),
    path("runners/<int:pk>/token/", robots_views.RunnerTokenView.as_view(), name="runner_token"),
    path("jobs/<int:pk>/stop/", robots_views.JobStopView.as_view(), name="job_stop"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation_list"),
    path("organisations/new/", views.OrganisationCreateView.as_view(), name="organisation_create"),
    path(
        "organisations/<slug:slug>/",
        views.OrganisationDetailView.as_view(),
        name="organisation_detail",
    ),
    path("office/details/", views.OfficeDetailsView.as_view(), name="office_details"),
    path(
        "organisations/<slug:slug>/edit/",
        views.DetailsEditView.as_view(),
        name="organisation_edit",
    ),
    path("organisations/<slug:slug>/invite/", views.InviteView.as_view(), name="invite"),
    path(
        "organisations/<slug:slug>/key-figures/",
        views.KeyFigureCreateView.as_view(),
        name="key_figure_create",
    ),
    path(
        "organisations/<slug:slug>/job-limit/",
        views.JobLimitView.as_view(),
        name="organisation_job_limit",
    ),
]

# JSON error bodies under /api/, the site's pages elsewhere.
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
