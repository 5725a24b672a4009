import stripe
from celery import shared_task

from billing import services, stripe_sync
from billing.models import Invoice, Period


@shared_task
def close_period(period_id: int) -> str:
    """Book the month's usage and close the period; progress is stored on the period."""
    period = Period.objects.get(pk=period_id)
    services.close_period_with_progress(
        period, lambda percent, message: services.set_progress(period, percent, message)
    )
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
