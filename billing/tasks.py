import stripe
from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing import services, stripe_sync
from billing.models import Invoice, Period


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


@shared_task(
    autoretry_for=(stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError),
    retry_backoff=60,
    max_retries=8,
)
def push_invoice_to_stripe(invoice_id: int) -> str | None:
    """Push a closed invoice to Stripe; retried with the same idempotency keys on failure."""
    record = stripe_sync.push_invoice(Invoice.objects.get(pk=invoice_id))
    return record.stripe_invoice_id if record else None
