"""Calendar months in Danish time, for billing periods and the insight rollups: a month is
its first day."""

from datetime import date, datetime, time

from django.utils import timezone


def parse_month(text: str) -> date:
    """The month written ``YYYY-MM`` (e.g. 2026-11) as its first day; ValueError otherwise."""
    year, number = (int(part) for part in text.split("-"))
    return date(year, number, 1)


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from ``first`` to ``last``, both included."""
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def current_month() -> date:
    return month_of(timezone.localdate())
