"""Every CSV and XLSX file the product writes goes through here.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and
some also after a leading tab or carriage return), so text a person typed — an idea's
title, a member's name, an upload's refused value — could run as a formula in the office's
spreadsheet (CSV/formula injection, OWASP). Text cells are therefore *neutralised*: such a
cell gets a leading apostrophe, which every spreadsheet shows as text. Control characters
(which XLSX cannot hold and which break CSV readers) are removed. Numbers, amounts and
dates stay numbers: only text is touched, so a negative amount is still a number.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# C0 control characters but tab, line feed and carriage return; DEL; C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def safe_text(value: str) -> str:
    """``value`` without control characters, and with a leading apostrophe if a spreadsheet
    would otherwise read it as a formula."""
    value = CONTROL_CHARACTERS.sub("", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_cell(value):
    """A cell's value as written: text neutralised, everything else unchanged."""
    if isinstance(value, str):
        return safe_text(value)
    return value


def plain_cell(value) -> str:
    if value is None:
        return ""
    return str(value)


def danish_cell(value) -> str:
    """A number, amount, date or time as Danish Excel reads it: decimal comma without
    thousands dots, dates as dd.mm.yyyy, times in Danish time."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        places = max(2, -value.normalize().as_tuple().exponent)
        return f"{value:.{places}f}".replace(".", ",")
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M:%S")
    if hasattr(value, "strftime"):
        return value.strftime("%d.%m.%Y")
    return str(value)


def csv_bytes(
    rows: Iterable[Iterable],
    *,
    format_cell: Callable[[object], str] = plain_cell,
    delimiter: str = ";",
) -> bytes:
    """CSV the way Danish Excel opens it: semicolons, CRLF, UTF-8 with BOM. Text cells are
    neutralised; other values are written with ``format_cell`` (numbers, dates)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(
        [safe_text(value) if isinstance(value, str) else format_cell(value) for value in row]
        for row in rows
    )
    return buffer.getvalue().encode("utf-8-sig")


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """An XLSX workbook, one sheet per title: the first row bold and frozen, amounts with
    two decimals, dates as dd.mm.yyyy. Text is neutralised and always stored as text, never
    as a formula."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(safe_text(title).lstrip("'")[:31] or "Ark")
        for row in rows:
            sheet.append([safe_cell(value) for value in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.iter_cols(min_row=1):
            for cell in column:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                elif cell.row > 1 and isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"
                elif cell.row > 1 and hasattr(cell.value, "strftime"):
                    cell.number_format = "dd.mm.yyyy"
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
