from celery import shared_task

from insight import services


@shared_task
def refresh_rollups() -> dict[str, int]:
    """Beat: recompute the recent months' value and cost rollups (idempotent)."""
    return services.refresh_rollups()
