"""Routes every site has, the office console and each member's site alike."""

from django.urls import include, path

from catalog.views import AuditTrailView
from config.views import HomeView, favicon
from robots import views as robots_views
from tenants import accessibility, views

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    # Browsers and tools that ignore <link rel="icon"> ask for /favicon.ico.
    path("favicon.ico", favicon),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.urls_api")),
    path("invitation/<str:token>/", views.AcceptInvitationView.as_view(), name="accept_invitation"),
    path("profile/tokens/", views.ApiTokenView.as_view(), name="api_tokens"),
    path("catalog/", include("catalog.urls")),
    path("ideas/", include("intake.urls")),
    path("orders/", include("orders.urls")),
    path("deployments/", robots_views.DeploymentListView.as_view(), name="deployments"),
    path(
        "deployments/<int:pk>/",
        robots_views.DeploymentDetailView.as_view(),
        name="deployment_detail",
    ),
    path("deployments/<int:pk>/run/", robots_views.RunNowView.as_view(), name="deployment_run"),
    path(
        "deployments/<int:pk>/pause/",
        robots_views.DeploymentStatusView.as_view(),
        {"action": "pause"},
        name="deployment_pause",
    ),
    path(
        "deployments/<int:pk>/resume/",
        robots_views.DeploymentStatusView.as_view(),
        {"action": "resume"},
        name="deployment_resume",
    ),
    path("jobs/", robots_views.JobListView.as_view(), name="jobs"),
    path("jobs/export/", robots_views.JobExportView.as_view(), name="jobs_export"),
    path("jobs/<int:pk>/", robots_views.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/retry/", robots_views.JobRetryView.as_view(), name="job_retry"),
    path("jobs/<int:pk>/log/", robots_views.JobLogView.as_view(), name="job_log"),
    path(
        "jobs/<int:pk>/artifacts/<int:artifact_pk>/",
        robots_views.JobArtifactView.as_view(),
        name="job_artifact",
    ),
    path("", include("robots.monitoring.urls")),
    path("audit/", AuditTrailView.as_view(), name="audit_trail"),
    path("governance/", include("governance.urls")),
    path("insight/", include("insight.urls")),
    path(
        "accessibility/",
        accessibility.StatementView.as_view(),
        name="accessibility_statement",
    ),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/badge/",
        views.NotificationBadgeView.as_view(),
        name="notification_badge",
    ),
]
