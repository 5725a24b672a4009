"""Invoice PDFs in Danish, rendered by WeasyPrint from ``billing/invoice_pdf.html``."""

from datetime import date

from django.template.loader import render_to_string
from weasyprint import HTML

from billing.exports.vat import vat_basis
from billing.models import Invoice
from billing.money import format_kr, format_number, format_price
from tenants.models import Organisation

TEMPLATE = "billing/invoice_pdf.html"


def danish_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _quantity(value) -> str:
    return format_number(value, 0 if value == value.to_integral_value() else 2)


def payment(invoice: Invoice, office: Organisation) -> dict | None:
    """Where and how an invoice is paid (the office's account, the invoice number as the
    reference); None for a credit note or when the office has no account."""
    if invoice.kind != Invoice.Kind.INVOICE:
        return None
    account = (
        f"Reg.nr. {office.bank_reg_no}, kontonr. {office.bank_account_no}"
        if office.bank_reg_no and office.bank_account_no
        else ""
    )
    iban = " ".join(office.iban[i : i + 4] for i in range(0, len(office.iban), 4))
    if not (account or iban):
        return None
    return {"account": account, "iban": iban, "reference": str(invoice.number)}


def context(invoice: Invoice, lines, office: Organisation) -> dict:
    """Everything the template shows, formatted the Danish way (1.234,56 kr, 31.03.2025)."""
    credit = invoice.kind == Invoice.Kind.CREDIT_NOTE
    return {
        "title": "Kreditnota" if credit else "Faktura",
        "invoice": invoice,
        "office": office,
        "member": invoice.organisation,
        "period": (invoice.credits or invoice).period.label,
        "issued_on": danish_date(invoice.issued_on),
        # A credit note has no due date: nothing is paid on it.
        "due_on": danish_date(invoice.due_on) if invoice.due_on else "",
        "credits": invoice.credits,
        "payment": payment(invoice, office),
        "lines": [
            {
                "position": line.position,
                "description": line.description,
                "quantity": _quantity(line.quantity),
                "unit": line.unit,
                "unit_price": format_price(line.unit_price),
                "amount": format_kr(line.amount_ore),
            }
            for line in lines
        ],
        "vat_percent": format_number(invoice.vat_rate * 100),
        "vat_basis": vat_basis(invoice, office),
        "subtotal": format_kr(invoice.subtotal_ore),
        "vat": format_kr(invoice.vat_ore),
        "total": format_kr(invoice.total_ore),
    }


def render_html(invoice: Invoice, lines, office: Organisation) -> str:
    return render_to_string(TEMPLATE, context(invoice, lines, office))


def html_to_pdf(html: str) -> bytes:
    return HTML(string=html).write_pdf()


def document(invoice: Invoice, *, office: Organisation) -> bytes:
    """The PDF of a numbered invoice or credit note."""
    return html_to_pdf(render_html(invoice, invoice.lines.all(), office))
