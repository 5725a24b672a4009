"""Invoice PDFs per second: the Danish invoice template rendered to PDF by WeasyPrint, vs the
same template rendered to an HTML string only. The invoices are built in memory (unsaved
model instances), so nothing is written to the database."""

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.exports import pdf
from billing.models import Invoice, InvoiceLine, Period
from tenants.models import Organisation


@dataclass
class Way:
    rendered: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.rendered / self.seconds


@dataclass
class Result:
    invoices: int
    lines_per_invoice: int
    html: Way
    pdf: Way


def _invoices(count: int, lines_per_invoice: int) -> list[tuple[Invoice, list[InvoiceLine]]]:
    period = Period(month=date(2025, 3, 1))
    made = []
    for number in range(1, count + 1):
        member = Organisation(name=f"Benchmark Kommune {number}", cvr="29189846")
        lines = [
            InvoiceLine(
                position=position,
                kind=InvoiceLine.Kind.POOL_SHARE,
                description=(
                    f"Pulje {position}: 1.200.000,00 kr × 12,35 % (indbyggertal 61.000 af 494.000)"
                ),
                quantity=Decimal(1),
                unit="andel",
                unit_price=Decimal("148200.00"),
                amount_ore=14_820_000,
            )
            for position in range(1, lines_per_invoice + 1)
        ]
        subtotal = sum(line.amount_ore for line in lines)
        invoice = Invoice(
            period=period,
            organisation=member,
            number=number,
            issued_on=date(2025, 4, 1),
            due_on=date(2025, 5, 1),
            vat_status=Organisation.VatStatus.STANDARD,
            vat_rate=Decimal("0.25"),
            subtotal_ore=subtotal,
            vat_ore=subtotal // 4,
            total_ore=subtotal + subtotal // 4,
        )
        made.append((invoice, lines))
    return made


def _timed(work, invoices) -> Way:
    started = time.perf_counter()
    for invoice, lines in invoices:
        work(invoice, lines)
    return Way(len(invoices), time.perf_counter() - started)


def run(invoices: int = 50, lines_per_invoice: int = 12) -> Result:
    office = Organisation(name="Robotkontoret", cvr="29189846", ean="5798000000001")
    made = _invoices(invoices, lines_per_invoice)
    pdf.html_to_pdf(pdf.render_html(*made[0], office))  # warm up fonts and templates
    html = _timed(lambda invoice, lines: pdf.render_html(invoice, lines, office), made)
    rendered = _timed(
        lambda invoice, lines: pdf.html_to_pdf(pdf.render_html(invoice, lines, office)), made
    )
    return Result(invoices, lines_per_invoice, html, rendered)


def report(result: Result) -> str:
    return "\n".join(
        [
            f"Invoice PDFs ({result.invoices} invoices of {result.lines_per_invoice} lines)",
            f"  template to HTML only: {result.html.per_second:10.1f} invoices/s",
            f"  template to PDF:       {result.pdf.per_second:10.1f} invoices/s",
            f"  ratio PDF / HTML time: {result.html.per_second / result.pdf.per_second:10.1f}×",
        ]
    )
