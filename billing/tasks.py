from celery import shared_task
from django.core.exceptions import ValidationError

from billing import services
from billing.models import Period


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
