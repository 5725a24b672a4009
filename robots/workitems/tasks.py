from celery import shared_task

from robots.workitems import services


@shared_task
def abandon_stuck_items() -> int:
    """Runs in the member schema named by the task's headers (tenant-schemas-celery)."""
    return services.abandon_stuck_items()


@shared_task
def apply_retention() -> int:
    """Erase expired payloads in the member schema named by the task's headers."""
    return services.apply_retention()


@shared_task
def read_upload(upload_id: int) -> int:
    """Read an uploaded file into items (in the member's schema); safe to run twice."""
    upload = services.read_upload(upload_id)
    return upload.rows_valid if upload else 0


@shared_task
def read_waiting_uploads() -> int:
    """Read the member's uploads whose task was lost (in the schema named by the headers)."""
    return services.read_waiting_uploads()
