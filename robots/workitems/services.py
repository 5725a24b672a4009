from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from robots.workitems.models import WorkItem, WorkQueue


@transaction.atomic
def abandon_stuck_items(*, now=None) -> int:
    """Mark items left in progress longer than their queue allows as abandoned.

    Runs inside the member's schema (the caller — a tenant-aware task — chose it).
    """
    now = now or timezone.now()
    total = 0
    for queue in WorkQueue.objects.all():
        cutoff = now - timedelta(minutes=queue.abandon_after_minutes)
        total += WorkItem.objects.filter(
            queue=queue, status=WorkItem.Status.IN_PROGRESS, started_at__lt=cutoff
        ).update(status=WorkItem.Status.ABANDONED, finished_at=now)
    return total
