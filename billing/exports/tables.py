"""A period's invoices, invoice lines, allocation table and settlement summary as tables:
CSV the way Danish Excel opens it (UTF-8 with BOM, semicolons, decimal comma) and XLSX."""

import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from billing import selectors
from billing.exports.documents import LINE_KIND_NAMES
from billing.models import CostPool, Invoice, InvoiceLine, KeyKind, Period
from billing.money import ORE_PER_KRONE
from core.tables import to_csv

INVOICES = "fakturaer"
LINES = "fakturalinjer"
ALLOCATION = "fordeling"
SETTLEMENT = "afregning"
KIND_NAMES = {Invoice.Kind.INVOICE: "Faktura", Invoice.Kind.CREDIT_NOTE: "Kreditnota"}
# The tables are Danish documents, like the invoices.
KEY_NAMES = {
    KeyKind.EQUAL: "Lige andele",
    KeyKind.POPULATION: "Indbyggertal",
    KeyKind.HOUSING_UNITS: "Lejemål",
    KeyKind.EMPLOYEES: "Ansatte",
    KeyKind.USAGE: "Forbrugsandel (robotminutter)",
    KeyKind.FIXED: "Faste procenter",
    KeyKind.BANDED: "Nøgletal i bånd (loft)",
}


def _kr(ore: int) -> Decimal:
    return Decimal(ore) / ORE_PER_KRONE


def invoices(period: Period) -> list[list]:
    rows = [
        [
            "Nummer",
            "Type",
            "Medlem",
            "CVR-nr.",
            "EAN-nr.",
            "Fakturadato",
            "Forfaldsdato",
            "Beløb ekskl. moms (kr)",
            "Moms (kr)",
            "I alt (kr)",
            "Krediterer faktura",
        ]
    ]
    for invoice in selectors.invoices_of(period):
        rows.append(
            [
                invoice.number,
                KIND_NAMES[invoice.kind],
                invoice.organisation.name,
                invoice.organisation.cvr,
                invoice.organisation.ean,
                invoice.issued_on,
                invoice.due_on,
                _kr(invoice.subtotal_ore),
                _kr(invoice.vat_ore),
                _kr(invoice.total_ore),
                invoice.credits.number if invoice.credits else None,
            ]
        )
    return rows


def lines(period: Period) -> list[list]:
    rows = [
        [
            "Fakturanummer",
            "Medlem",
            "Linje",
            "Art",
            "Beskrivelse",
            "Antal",
            "Enhed",
            "Enhedspris (kr)",
            "Beløb (kr)",
        ]
    ]
    for invoice in selectors.invoices_of(period):
        for line in invoice.lines.all():
            rows.append(
                [
                    invoice.number,
                    invoice.organisation.name,
                    line.position,
                    LINE_KIND_NAMES[line.kind],
                    line.description,
                    line.quantity,
                    line.unit,
                    line.unit_price,
                    _kr(line.amount_ore),
                ]
            )
    return rows


def _pool_lines(period: Period) -> list[InvoiceLine]:
    return list(
        InvoiceLine.objects.filter(
            invoice__period=period,
            invoice__kind=Invoice.Kind.INVOICE,
            kind=InvoiceLine.Kind.POOL_SHARE,
        )
        .select_related("invoice__organisation", "pool")
        .order_by("pool_id", "invoice__organisation__name")
    )


def explained_share(description: str) -> tuple[Decimal | None, str]:
    """The share in percent and its basis, from a pool line's own explanation
    ("Løn: 1.200.000,00 kr × 58,82 % (indbyggertal 350.000 af 550.000)")."""
    _amount, times, rest = description.partition(" × ")
    percent, marker, basis = rest.partition(" % (")
    if not times or not marker:
        return None, description
    return Decimal(percent.replace(".", "").replace(",", ".")), basis.removesuffix(")")


def allocation(period: Period) -> list[list]:
    """Per pool and member: the key figure behind the share, the share and the amount."""
    rows = [
        [
            "Pulje",
            "Puljebeløb (kr)",
            "Fordelingsnøgle",
            "Medlem",
            "CVR-nr.",
            "Nøgletal (grundlag)",
            "Andel (%)",
            "Beløb (kr)",
        ]
    ]
    for line in _pool_lines(period):
        percent, basis = explained_share(line.description)
        rows.append(
            [
                line.pool.name,
                _kr(line.pool.amount_ore),
                KEY_NAMES[line.pool.key],
                line.invoice.organisation.name,
                line.invoice.organisation.cvr,
                basis,
                percent,
                _kr(line.amount_ore),
            ]
        )
    return rows


def settlement(period: Period) -> list[list]:
    """Who pays what: per member, its share of each pool, its usage and adjustments, VAT
    and total, less credit notes issued in the period; and a total row."""
    pools = list(CostPool.objects.filter(period=period).order_by("pk"))
    per_member: dict[int, dict] = {}
    for invoice in selectors.invoices_of(period).filter(number__isnull=False):
        row = per_member.setdefault(
            invoice.organisation_id,
            {
                "member": invoice.organisation,
                "pools": defaultdict(int),
                "usage": 0,
                "adjustments": 0,
                "subtotal": 0,
                "vat": 0,
                "total": 0,
                "credited": 0,
            },
        )
        if invoice.kind == Invoice.Kind.CREDIT_NOTE:
            row["credited"] += invoice.total_ore
            continue
        for line in invoice.lines.all():
            if line.kind == InvoiceLine.Kind.POOL_SHARE:
                row["pools"][line.pool_id] += line.amount_ore
            elif line.kind == InvoiceLine.Kind.ADJUSTMENT:
                row["adjustments"] += line.amount_ore
            else:
                row["usage"] += line.amount_ore
        row["subtotal"] += invoice.subtotal_ore
        row["vat"] += invoice.vat_ore
        row["total"] += invoice.total_ore
    header = [
        "Medlem",
        "CVR-nr.",
        "Forbrug (kr)",
        *(f"{pool.name} (kr)" for pool in pools),
        "Reguleringer (kr)",
        "Ekskl. moms (kr)",
        "Moms (kr)",
        "Fakturaer i alt (kr)",
        "Krediteret (kr)",
        "Netto at betale (kr)",
    ]
    rows = [header]
    sums = [0] * (len(header) - 2)
    for row in sorted(per_member.values(), key=lambda row: row["member"].name):
        amounts = [
            row["usage"],
            *(row["pools"][pool.pk] for pool in pools),
            row["adjustments"],
            row["subtotal"],
            row["vat"],
            row["total"],
            row["credited"],
            row["total"] - row["credited"],
        ]
        sums = [total + amount for total, amount in zip(sums, amounts, strict=True)]
        rows.append([row["member"].name, row["member"].cvr, *map(_kr, amounts)])
    rows.append(["I alt", "", *map(_kr, sums)])
    return rows


TABLES = {INVOICES: invoices, LINES: lines, ALLOCATION: allocation, SETTLEMENT: settlement}
SHEET_NAMES = {
    INVOICES: "Fakturaer",
    LINES: "Fakturalinjer",
    ALLOCATION: "Fordeling",
    SETTLEMENT: "Afregning",
}


def to_xlsx(tables: dict[str, list[list]]) -> bytes:
    return workbook_bytes({SHEET_NAMES[name]: rows for name, rows in tables.items()})


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """An XLSX workbook, one sheet per title: the first row bold and frozen, amounts with
    two decimals, dates as dd.mm.yyyy."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.iter_cols(min_row=2):
            for cell in column:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"
                elif hasattr(cell.value, "strftime"):
                    cell.number_format = "dd.mm.yyyy"
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(period: Period, out: Path) -> list[Path]:
    written = []
    for name, build in TABLES.items():
        path = out / f"{name}-{period.label}.csv"
        path.write_bytes(to_csv(build(period)))
        written.append(path)
    return written


def write_xlsx(period: Period, out: Path) -> list[Path]:
    path = out / f"afregning-{period.label}.xlsx"
    path.write_bytes(to_xlsx({name: build(period) for name, build in TABLES.items()}))
    return [path]
