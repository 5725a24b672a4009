from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.RobotListView.as_view(), name="robot_list"),
    path("new/", views.RobotFormView.as_view(), name="robot_create"),
    path("<slug:slug>/", views.RobotDetailView.as_view(), name="robot_detail"),
    path("<slug:slug>/edit/", views.RobotFormView.as_view(), name="robot_edit"),
    path("<slug:slug>/document/", views.DocumentDownloadView.as_view(), name="document"),
    path(
        "<slug:slug>/attachments/", views.AttachmentCreateView.as_view(), name="attachment_create"
    ),
    path(
        "<slug:slug>/attachments/<int:pk>/",
        views.DocumentDownloadView.as_view(),
        name="attachment",
    ),
    path("<slug:slug>/versions/new/", views.VersionCreateView.as_view(), name="version_create"),
    path(
        "<slug:slug>/versions/<int:pk>/transition/",
        views.VersionTransitionView.as_view(),
        name="version_transition",
    ),
    path(
        "<slug:slug>/versions/<int:pk>/archive/",
        views.ArchiveDownloadView.as_view(),
        name="version_archive",
    ),
]
