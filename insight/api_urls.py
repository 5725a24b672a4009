from django.urls import path

from insight import api

urlpatterns = [
    path("insight/", api.InsightView.as_view(), name="api-insight"),
    path("insight/hourly-rate/", api.HourlyRateView.as_view(), name="api-insight-hourly-rate"),
    path(
        "insight/deployments/<int:pk>/estimate/",
        api.DeploymentEstimateView.as_view(),
        name="api-insight-estimate",
    ),
]
