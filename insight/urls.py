from django.urls import path, re_path

from insight import views

app_name = "insight"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("hourly-rate/", views.HourlyRateView.as_view(), name="hourly_rate"),
    path("deployments/<int:pk>/estimate/", views.EstimateView.as_view(), name="estimate"),
    re_path(r"^report\.(?P<suffix>pdf|xlsx)$", views.ReportView.as_view(), name="report"),
]
