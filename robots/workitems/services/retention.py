"""Retention: erase what finished items carried once their queue stops keeping it."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import isolated_row
from robots.workitems.models import WorkItem, WorkItemEvent, WorkItemFile, WorkItemOutput, WorkQueue
from robots.workitems.services.common import delete_file

TASK = "robots.workitems.tasks.apply_retention"


def apply_retention(*, now=None) -> int:
    """Erase payloads, outputs and reasons of items finished longer ago than their queue
    keeps them. Status, reference, attempts and timings stay: statistics and billing.
    Each queue on its own (``isolated_row``): one that fails is alerted and left as it
    was, the others are erased."""
    now = now or timezone.now()
    total = 0
    for queue in WorkQueue.objects.filter(retention_days__isnull=False):
        with isolated_row(TASK, f"the queue {queue.name}", subject=("queue", queue.pk)):
            total += _erase_expired(queue, now)
    return total


def _erase_expired(queue: WorkQueue, now) -> int:
    cutoff = now - timedelta(days=queue.retention_days)
    expired = WorkItem.objects.filter(
        queue=queue,
        status__in=WorkItem.FINISHED,
        finished_at__lt=cutoff,
        payload_erased_at__isnull=True,
    )
    pks = list(expired.values_list("pk", flat=True))
    if not pks:
        return 0
    WorkItem.objects.filter(pk__in=pks).update(
        payload={}, output=None, reason="", payload_erased_at=now
    )
    # The history's messages may quote the payload or a robot's reason.
    WorkItemEvent.objects.filter(item_id__in=pks).update(message="")
    WorkItemOutput.objects.filter(parent_id__in=pks).update(payload={})
    for attached in WorkItemFile.objects.filter(Q(item_id__in=pks) | Q(output__parent_id__in=pks)):
        delete_file(attached)
    WorkItemEvent.objects.bulk_create(
        [
            WorkItemEvent(
                item_id=pk,
                at=now,
                from_status=status,
                to_status=status,
                message=_("Payload erased (kept %(days)s days)") % {"days": queue.retention_days},
            )
            for pk, status in WorkItem.objects.filter(pk__in=pks).values_list("pk", "status")
        ]
    )
    queue.uploads.filter(finished_at__lt=cutoff).update(errors=[], content=b"")
    return len(pks)
