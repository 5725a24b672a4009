"""Downloads of a closed period's documents and tables (the finance period page), and of a
member's own invoice PDFs (its cost page). The files are built by ``billing.exports``;
the period is marked exported only by the command or the page's explicit button."""

import io
import zipfile

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from billing import services
from billing.exports import pdf, peppol, tables
from billing.exports.documents import documents_of, file_stem
from billing.models import Invoice, Period
from billing.views import FinanceView, period_context
from core.views import flash_errors
from tenants.permissions import Capability
from tenants.services import office
from tenants.views import SiteView

PDF = "application/pdf"
ZIP = "application/zip"
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What each document archive holds: how a document is rendered and its suffix in the zip.
ARCHIVES = {"pdf": (pdf.document, "pdf", "fakturaer"), "peppol": (peppol.document, "xml", "peppol")}


def attachment(content: bytes, filename: str, content_type: str) -> FileResponse:
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=filename, content_type=content_type
    )


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _refused(request, period: Period, status: int = 400):
    """The period page again, with the flashed reason, instead of a file."""
    return render(request, "billing/period_detail.html", period_context(period), status=status)


class PeriodDownloadView(FinanceView):
    """A base for the downloads of a closed (or exported) period; an open period has
    nothing final to download and is refused with the reason."""

    def get(self, request, pk, **kwargs):
        period = get_object_or_404(Period, pk=pk)
        if not period.is_final:
            messages.error(
                request, _("The period is not closed yet; close it to download its invoices.")
            )
            return _refused(request, period)
        try:
            return self.download(period, **kwargs)
        except ValidationError as error:
            flash_errors(request, error)
            return _refused(request, period)

    def download(self, period: Period, **kwargs) -> FileResponse:
        raise NotImplementedError


class ArchiveDownloadView(PeriodDownloadView):
    """All the period's documents as one zip: PDFs (``pdf``) or Peppol UBL XML (``peppol``)."""

    def download(self, period, *, archive):
        if archive not in ARCHIVES:
            raise Http404
        render_document, suffix, stem = ARCHIVES[archive]
        supplier = office()
        files = {
            f"{file_stem(invoice)}.{suffix}": render_document(invoice, office=supplier)
            for invoice in documents_of(period)
        }
        return attachment(zipped(files), f"{stem}-{period.label}.zip", ZIP)


class InvoicePdfView(PeriodDownloadView):
    """One numbered invoice or credit note of the period as a PDF."""

    def download(self, period, *, invoice_pk):
        invoice = get_object_or_404(
            Invoice.objects.select_related("organisation", "credits__period", "period"),
            pk=invoice_pk,
            period=period,
            number__isnull=False,
        )
        return attachment(pdf.document(invoice, office=office()), f"{file_stem(invoice)}.pdf", PDF)


class CreditNoteDownloadView(FinanceView):
    """A credit note as a PDF (``pdf``) or a Peppol UBL e-invoice (``xml``), as soon as it
    is issued: it is numbered at once, while its period may still be open."""

    def get(self, request, pk, kind):
        if kind not in ("pdf", "xml"):
            raise Http404
        note = get_object_or_404(
            Invoice.objects.select_related("organisation", "credits__period", "period"),
            pk=pk,
            kind=Invoice.Kind.CREDIT_NOTE,
        )
        if kind == "pdf":
            return attachment(pdf.document(note, office=office()), f"{file_stem(note)}.pdf", PDF)
        content = peppol.document(note, office=office())
        return attachment(content, f"{file_stem(note)}.xml", "application/xml")


class TableCsvView(PeriodDownloadView):
    """One of the period's tables (invoices, lines, allocation, settlement) as CSV."""

    def download(self, period, *, table):
        if table not in tables.TABLES:
            raise Http404
        content = tables.to_csv(tables.TABLES[table](period))
        return attachment(content, f"{table}-{period.label}.csv", CSV)


class TablesXlsxView(PeriodDownloadView):
    """All four tables as the sheets of one workbook."""

    def download(self, period):
        content = tables.to_xlsx({name: build(period) for name, build in tables.TABLES.items()})
        return attachment(content, f"{tables.SETTLEMENT}-{period.label}.xlsx", XLSX)


class PeriodExportedView(FinanceView):
    """Mark a closed period as exported (sent to the members' bookkeeping)."""

    def post(self, request, pk):
        period = get_object_or_404(Period, pk=pk)
        if period.status == Period.Status.CLOSED:
            services.mark_exported(period)
            messages.success(request, _("The period is marked as exported."))
        elif period.status == Period.Status.EXPORTED:
            messages.info(request, _("The period is already marked as exported."))
        else:
            messages.error(request, _("Only a closed period can be marked as exported."))
        return redirect("billing:period_detail", pk=period.pk)


class MemberInvoicePdfView(SiteView):
    """A member's own numbered invoice or credit note as a PDF; anyone else's is not found."""

    members_only = True
    capability = Capability.VIEW_BILLING

    def get(self, request, pk):
        invoice = get_object_or_404(
            Invoice.objects.select_related("organisation", "credits__period", "period"),
            pk=pk,
            organisation=request.tenant,
            number__isnull=False,
        )
        return attachment(pdf.document(invoice, office=office()), f"{file_stem(invoice)}.pdf", PDF)
