"""Background work of the member lifecycle: building a member's export, erasing a member."""

from celery import shared_task

from members.data import services as data


@shared_task
def build_export(export_id: int) -> str:
    """Build the export's archive (idempotent: a ready export is left; one a killed worker
    left is started afresh; a failure is stored on the export and raised)."""
    return data.build_export(export_id).sha256


@shared_task
def erase_member(receipt_id: int) -> str:
    """Erase a member that left; re-running it finishes what a killed worker left."""
    return data.erase(receipt_id).signature
