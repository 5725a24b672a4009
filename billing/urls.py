"""The finance pages of the office console."""

from django.urls import path

from billing import downloads, views

app_name = "billing"
urlpatterns = [
    path("periods/", views.PeriodListView.as_view(), name="period_list"),
    path("periods/<int:pk>/", views.PeriodDetailView.as_view(), name="period_detail"),
    path("periods/<int:pk>/preview/", views.PeriodPreviewView.as_view(), name="period_preview"),
    path("periods/<int:pk>/close/", views.PeriodCloseView.as_view(), name="period_close"),
    path("periods/<int:pk>/progress/", views.PeriodProgressView.as_view(), name="period_progress"),
    path(
        "periods/<int:pk>/exported/",
        downloads.PeriodExportedView.as_view(),
        name="period_exported",
    ),
    path(
        "periods/<int:pk>/downloads/<str:archive>.zip",
        downloads.ArchiveDownloadView.as_view(),
        name="download_archive",
    ),
    path(
        "periods/<int:pk>/downloads/<str:table>.csv",
        downloads.TableCsvView.as_view(),
        name="download_csv",
    ),
    path(
        "periods/<int:pk>/downloads/tables.xlsx",
        downloads.TablesXlsxView.as_view(),
        name="download_xlsx",
    ),
    path(
        "periods/<int:pk>/invoices/<int:invoice_pk>.pdf",
        downloads.InvoicePdfView.as_view(),
        name="download_invoice",
    ),
    path("periods/<int:pk>/pools/new/", views.CostPoolCreateView.as_view(), name="pool_create"),
    path("pools/<int:pk>/", views.CostPoolEditView.as_view(), name="pool_edit"),
    path("pools/<int:pk>/delete/", views.CostPoolDeleteView.as_view(), name="pool_delete"),
    path("credit-notes/", views.CreditNoteListView.as_view(), name="credit_note_list"),
    path(
        "credit-notes/<int:pk>.<str:kind>",
        downloads.CreditNoteDownloadView.as_view(),
        name="download_credit_note",
    ),
    path("invoices/<int:pk>/credit/", views.CreditInvoiceView.as_view(), name="credit_invoice"),
    path("rate-cards/", views.RateCardListView.as_view(), name="rate_card_list"),
    path("rate-cards/<int:pk>/", views.RateCardEditView.as_view(), name="rate_card_edit"),
    path("rate-cards/<int:pk>/end/", views.RateCardEndView.as_view(), name="rate_card_end"),
    path("key-figures/", views.KeyFigureListView.as_view(), name="key_figure_list"),
    path("time/", views.TimeEntryListView.as_view(), name="time_entry_list"),
    path("time/<int:pk>/approve/", views.TimeEntryApproveView.as_view(), name="time_approve"),
]
