from celery import shared_task

from billing import services
from billing.models import Period


@shared_task
def close_period(period_id: int) -> str:
    """Book the month's usage and close the period; progress is stored on the period."""
    period = Period.objects.get(pk=period_id)
    services.close_period_with_progress(
        period, lambda percent, message: services.set_progress(period, percent, message)
    )
    return period.label
