"""Cron schedules, read in Europe/Copenhagen (the partnership's working time)."""

from croniter import croniter
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_cron(value: str) -> None:
    """Five fields: minute hour day-of-month month day-of-week (e.g. ``0 6 * * 1-5``)."""
    if not value:
        return
    if len(value.split()) != 5 or not croniter.is_valid(value):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid cron expression. Use five fields: minute, hour, "
                "day of month, month and day of week, e.g. “0 6 * * 1-5” (06:00 on weekdays)."
            ),
            params={"value": value},
            code="invalid_cron",
        )
