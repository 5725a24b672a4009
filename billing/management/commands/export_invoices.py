from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from billing import services
from billing.exports import pdf, peppol, tables
from billing.exports.documents import documents_of, file_stem
from billing.management.base import MonthCommand
from billing.models import Period
from tenants.services import office

DOCUMENT_WRITERS = {"peppol": (peppol.document, "xml"), "pdf": (pdf.document, "pdf")}
TABLE_WRITERS = {"csv": tables.write_csv, "xlsx": tables.write_xlsx}


class Command(MonthCommand):
    help = (
        "Export a closed month: export_invoices YYYY-MM --format peppol|pdf|csv|xlsx --out DIR "
        "(one file per invoice and credit note, or the tables), then mark it exported."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--format",
            dest="export_format",
            required=True,
            choices=[*DOCUMENT_WRITERS, *TABLE_WRITERS],
        )
        parser.add_argument("--out", required=True, type=Path, help="Directory to write to.")

    def handle_month(self, first_day, *, month: str, export_format: str, out: Path, **options):
        period = Period.objects.filter(month=first_day).first()
        if period is None or not period.is_final:
            raise CommandError(
                _("The period %(period)s is not closed; close it before exporting.")
                % {"period": month}
            )
        out.mkdir(parents=True, exist_ok=True)
        written = self._write(period, export_format, out)
        services.mark_exported(period)
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(
            self.style.SUCCESS(
                _("%(period)s exported: %(count)d files in %(out)s")
                % {"period": period.label, "count": len(written), "out": out}
            )
        )

    def _write(self, period: Period, export_format: str, out: Path) -> list[Path]:
        if export_format in TABLE_WRITERS:
            return TABLE_WRITERS[export_format](period, out)
        render, suffix = DOCUMENT_WRITERS[export_format]
        supplier = office()
        written = []
        for invoice in documents_of(period):
            path = out / f"{file_stem(invoice)}.{suffix}"
            path.write_bytes(render(invoice, office=supplier))
            written.append(path)
        return written
