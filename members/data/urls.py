"""Office console pages of members' data (in the ``members`` namespace, under /members/)."""

from django.urls import path

from members.data import views

urlpatterns = [
    path("data/", views.MemberListView.as_view(), name="data_list"),
    path("<int:pk>/data/", views.MemberDataView.as_view(), name="data"),
    path("<int:pk>/exports/", views.ExportRequestView.as_view(), name="export_request"),
    path("<int:pk>/erase/", views.EraseView.as_view(), name="erase"),
    path("exports/<int:pk>/", views.ExportProgressView.as_view(), name="export_progress"),
    path("exports/<int:pk>/download/", views.ExportDownloadView.as_view(), name="export_download"),
    path("receipts/verify/", views.ReceiptVerifyView.as_view(), name="receipt_verify"),
    path("receipts/<int:pk>/", views.ReceiptDownloadView.as_view(), name="receipt"),
    path("receipts/<str:token>/", views.ReceiptLinkView.as_view(), name="receipt_link"),
]
