from django.urls import path

from robots.monitoring import views

urlpatterns = [
    path("alerts/", views.AlertListView.as_view(), name="alerts"),
    path("alerts/bulk/", views.AlertBulkView.as_view(), name="alert_bulk"),
    path(
        "alerts/<int:pk>/acknowledge/",
        views.AlertActionView.as_view(action="acknowledge"),
        name="alert_acknowledge",
    ),
    path(
        "alerts/<int:pk>/resolve/",
        views.AlertActionView.as_view(action="resolve"),
        name="alert_resolve",
    ),
    path("operations/", views.OperationsView.as_view(), name="operations"),
]
