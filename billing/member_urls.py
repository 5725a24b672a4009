"""A member's cost page on its own site."""

from django.urls import path

from billing import downloads, views

app_name = "billing"
urlpatterns = [
    path("", views.CostsView.as_view(), name="costs"),
    path(
        "invoices/<int:pk>.pdf",
        downloads.MemberInvoicePdfView.as_view(),
        name="invoice_pdf",
    ),
]
