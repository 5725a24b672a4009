from django.urls import path

from robots.workitems import views

app_name = "workitems"
urlpatterns = [
    path("queues/", views.QueueListView.as_view(), name="queue_list"),
    path("queues/new/", views.QueueFormView.as_view(), name="queue_create"),
    path("queues/sla/", views.QueueSlaView.as_view(), name="queue_sla"),
    path("queues/<int:pk>/", views.QueueDetailView.as_view(), name="queue_detail"),
    path("queues/<int:pk>/settings/", views.QueueFormView.as_view(), name="queue_edit"),
    path("queues/<int:pk>/items/", views.ItemCreateView.as_view(), name="item_create"),
    path("queues/<int:pk>/items/bulk/", views.QueueBulkView.as_view(), name="queue_bulk"),
    path("queues/<int:pk>/upload/", views.UploadCreateView.as_view(), name="upload_create"),
    path("queues/uploads/<int:pk>/", views.UploadDetailView.as_view(), name="upload_detail"),
    path("queues/uploads/<int:pk>/retry/", views.UploadRetryView.as_view(), name="upload_retry"),
    path(
        "queues/uploads/<int:pk>/refused.csv",
        views.UploadErrorsView.as_view(),
        name="upload_errors",
    ),
    path("queues/items/<int:pk>/", views.ItemDetailView.as_view(), name="item_detail"),
    path(
        "queues/items/<int:pk>/files/<int:file_pk>/",
        views.ItemFileView.as_view(),
        name="item_file",
    ),
    path("manual/", views.ManualHandlingView.as_view(), name="manual"),
]
