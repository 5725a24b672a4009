from celery import shared_task

from robots.workitems import services
from robots.workitems.services import uploads

# Defined beside the code that queues it (robots.workitems.services.uploads); a work item task too.
from robots.workitems.services.uploads import read_upload_task as read_upload

__all__ = ["abandon_stuck_items", "apply_retention", "read_upload", "read_waiting_uploads"]


@shared_task
def abandon_stuck_items() -> int:
    """Runs in the member schema named by the task's headers (tenant-schemas-celery)."""
    return services.abandon_stuck_items()


@shared_task
def apply_retention() -> int:
    """Erase expired payloads in the member schema named by the task's headers."""
    return services.apply_retention()


@shared_task
def read_waiting_uploads() -> int:
    """Read the member's uploads whose task was lost (in the schema named by the headers)."""
    return uploads.read_waiting_uploads()
