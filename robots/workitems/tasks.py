from celery import shared_task

from robots.workitems import services


@shared_task
def abandon_stuck_items() -> int:
    """Runs in the member schema named by the task's headers (tenant-schemas-celery)."""
    return services.abandon_stuck_items()
