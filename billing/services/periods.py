"""Billing periods (one per month) and the partnership's billing settings."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    BillingSettings,
    Period,
)
from billing.months import add_months, local_midnight, month_of


class PeriodClosed(ValidationError):
    def __init__(self, period: Period):
        super().__init__(
            _(
                "The period %(period)s is closed and cannot change; correct it with a credit "
                "note and an adjustment in an open period."
            )
            % {"period": period.label}
        )


def billing_settings() -> BillingSettings:
    found, _created = BillingSettings.objects.get_or_create(pk=1)
    return found


def get_period(month: date) -> Period:
    """The period of a month, opened with the partnership's financing model if new."""
    period, _created = Period.objects.get_or_create(
        month=month_of(month), defaults={"financing_model": billing_settings().financing_model}
    )
    return period


def open_period_for(day: date) -> Period:
    """Where usage on ``day`` is booked: its month, or the first open month after it."""
    period = get_period(day)
    while period.is_final:
        period = get_period(add_months(period.month, 1))
    return period


def ensure_open(period: Period) -> None:
    if period.is_final:
        raise PeriodClosed(period)


def local_bounds(period: Period) -> tuple[datetime, datetime]:
    return local_midnight(period.month), local_midnight(add_months(period.month, 1))


@transaction.atomic
def mark_exported(period: Period) -> Period:
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status == Period.Status.CLOSED:
        period.status = Period.Status.EXPORTED
        period.exported_at = timezone.now()
        period.save(update_fields=["status", "exported_at"])
    return period


@transaction.atomic
def set_financing_model(period: Period, financing_model: str) -> Period:
    """Change an open period's financing model (new periods copy the partnership's)."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    ensure_open(period)
    period.financing_model = financing_model
    period.full_clean()
    period.save(update_fields=["financing_model"])
    return period
