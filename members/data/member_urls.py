"""A member's own data on its site (mounted at /data/): its exports."""

from django.urls import path

from members.data import views

app_name = "member_data"
urlpatterns = [
    path("", views.MemberDataView.as_view(), name="data"),
    path("exports/", views.ExportRequestView.as_view(), name="export_request"),
    path("exports/<int:pk>/", views.ExportProgressView.as_view(), name="export_progress"),
    path("exports/<int:pk>/download/", views.ExportDownloadView.as_view(), name="export_download"),
]
