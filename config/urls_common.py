"""Routes every site has, the office console and each member's site alike."""

from django.urls import include, path

from robots.views import DeploymentListView
from tenants import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.urls_api")),
    path("invitation/<str:token>/", views.AcceptInvitationView.as_view(), name="accept_invitation"),
    path("profile/tokens/", views.ApiTokenView.as_view(), name="api_tokens"),
    path("catalog/", include("catalog.urls")),
    path("ideas/", include("catalog.intake.urls")),
    path("orders/", include("catalog.orders.urls")),
    path("governance/", include("catalog.governance.urls")),
    path("deployments/", DeploymentListView.as_view(), name="deployments"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/badge/",
        views.NotificationBadgeView.as_view(),
        name="notification_badge",
    ),
]
