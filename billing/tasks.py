from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing import services
from billing.models import Period

# Defined beside the code it runs (billing.services.stripe_sync, which queues it); a billing
# task too.
from billing.services.stripe_sync import push_invoice_to_stripe

__all__ = ["book_usage_so_far", "close_period", "push_invoice_to_stripe"]


@shared_task
def book_usage_so_far() -> dict[str, int]:
    """Beat, every few minutes: book this month's finished runs and processed work items,
    so members see their usage so far while the period is open (idempotent)."""
    period = services.get_period(services.month_of(timezone.localdate()))
    return {
        "jobs": services.record_jobs_usage(period),
        "work_items": services.record_work_items(period),
    }


@shared_task
def close_period(period_id: int) -> str:
    """Book the month's usage and close the period; progress is stored on the period.

    A refused close (e.g. missing key figures) leaves the period open and its reason as the
    progress message, for the period page to show."""
    period = Period.objects.get(pk=period_id)
    try:
        services.close_period_with_progress(
            period, lambda percent, message: services.set_progress(period, percent, message)
        )
    except ValidationError as error:
        services.set_progress(period, 0, "; ".join(error.messages)[:200])
    return period.label
