from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.routers import DefaultRouter
from robots import api as robots_api
from robots.credentials import api as credentials_api
from robots.monitoring import api as monitoring_api
from tenants import api as tenants_api

router = DefaultRouter()
router.register("organisations", tenants_api.OrganisationViewSet, basename="organisation")
router.register("tokens", tenants_api.ApiTokenViewSet, basename="api-token")
router.register("deployments", robots_api.DeploymentViewSet, basename="deployment")
router.register("jobs", robots_api.JobViewSet, basename="job")
router.register("notifications", tenants_api.NotificationViewSet, basename="notification")
router.register("credentials", credentials_api.CredentialViewSet, basename="credential")
router.register("alerts", monitoring_api.AlertViewSet, basename="alert")

urlpatterns = [
    # First: runners and their robots call these most, and each pattern tried before a
    # match costs time.
    path("v1/", include("robots.runner_urls")),
    path("v1/", include("robots.workitems.robot_urls")),
    path("v1/", include(router.urls)),
    path("v1/me/", tenants_api.CurrentUserView.as_view(), name="api-me"),
    path("v1/key-figures/", tenants_api.KeyFigureListView.as_view(), name="api-key-figures"),
    path("v1/billing/", include("billing.api_urls")),
    path("v1/members/", include("members.api_urls")),
    path("v1/", include("catalog.api_urls")),
    path("v1/", include("intake.api_urls")),
    path("v1/", include("orders.api_urls")),
    path("v1/", include("governance.api_urls")),
    path("v1/", include("robots.workitems.api_urls")),
    path("v1/", include("insight.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
