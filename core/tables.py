"""Tables as CSV the way Danish Excel opens them: UTF-8 with BOM, semicolons, decimal comma
without thousands dots, dates as dd.mm.yyyy and times in Danish time. Billing's period
tables and the runs list export through it."""

import csv
import io
from datetime import datetime
from decimal import Decimal

from django.utils import timezone


def csv_cell(value) -> str:
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


def to_csv(rows) -> bytes:
    """The rows (the first the header), as the bytes of a CSV file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
