"""Which invoices and credit notes of a period are sent as documents."""

from billing import selectors
from billing.models import Invoice, InvoiceLine, Period

# What each kind of line is called on the Danish documents.
LINE_KIND_NAMES = {
    InvoiceLine.Kind.ROBOT_USAGE: "Robotkørsel",
    InvoiceLine.Kind.WORK_ITEMS: "Behandlede sager",
    InvoiceLine.Kind.STAFF_HOURS: "Konsulenttimer",
    InvoiceLine.Kind.DEPLOYMENT_FEE: "Driftsgebyr",
    InvoiceLine.Kind.POOL_SHARE: "Andel af fællesomkostninger",
    InvoiceLine.Kind.ADJUSTMENT: "Regulering",
    InvoiceLine.Kind.CREDIT: "Kreditering",
}


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
