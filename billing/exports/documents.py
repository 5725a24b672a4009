"""Which invoices and credit notes of a period are sent as documents."""

from billing import selectors
from billing.models import Invoice, Period


def documents_of(period: Period) -> list[Invoice]:
    """The period's numbered invoices and credit notes that bill something (a member
    without usage or pool shares gets an empty invoice, which is not sent)."""
    return [
        invoice
        for invoice in selectors.invoices_of(period).filter(number__isnull=False)
        if invoice.lines.all()
    ]


def file_stem(invoice: Invoice) -> str:
    kind = "kreditnota" if invoice.kind == Invoice.Kind.CREDIT_NOTE else "faktura"
    return f"{kind}-{invoice.number}"
