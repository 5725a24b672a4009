"""Several items of a queue at once, from the queue's page: try them again, or delete them.

Trying again puts items a robot handed back (business or application exception, abandoned)
back as new with their attempts starting over, as a resubmit does one by one. Deleting
removes items no robot holds (not in progress), with their history, outputs and files; the
audit trail keeps who deleted which references."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from robots.workitems.models import WorkItem, WorkItemEvent, WorkItemFile, WorkQueue
from robots.workitems.services.common import Status, current_organisation_id, delete_file, event
from tenants.models import Organisation

RETRYABLE = WorkItem.HANDED_BACK


def _lock(queue: WorkQueue, items: Iterable[WorkItem]) -> list[WorkItem]:
    pks = sorted({item.pk for item in items})
    if not pks:
        raise ValidationError(_("Choose at least one item."))
    locked = list(
        WorkItem.objects.select_for_update().filter(pk__in=pks, queue=queue).order_by("pk")
    )
    if len(locked) != len(pks):
        raise ValidationError(_("Some of the chosen items no longer exist."))
    return locked


def _refuse_unless(locked: list[WorkItem], allowed, message: str) -> None:
    refused = [item for item in locked if item.status not in allowed]
    if refused:
        raise ValidationError(message % {"items": ", ".join(str(item) for item in refused)})


@transaction.atomic
def retry_items(queue: WorkQueue, items: Iterable[WorkItem], *, actor) -> int:
    """Back to the robots, as new with attempts from zero; only items handed back."""
    locked = _lock(queue, items)
    _refuse_unless(
        locked,
        RETRYABLE,
        _("Only items a robot handed back can be tried again, not %(items)s."),
    )
    now = timezone.now()
    WorkItem.objects.filter(pk__in=[item.pk for item in locked]).update(
        status=Status.NEW,
        attempts=0,
        outcome="",
        defer_until=None,
        started_at=None,
        finished_at=None,
    )
    WorkItemEvent.objects.bulk_create(
        [
            event(item, item.status, Status.NEW, actor=actor, message=_("Tried again"), at=now)
            for item in locked
        ]
    )
    return len(locked)


@transaction.atomic
def delete_items(queue: WorkQueue, items: Iterable[WorkItem], *, actor) -> int:
    """Delete items no robot is working on, with their files; audited on the queue."""
    locked = _lock(queue, items)
    _refuse_unless(
        locked,
        [status for status in Status.values if status != Status.IN_PROGRESS],
        _("A robot is working on %(items)s: they cannot be deleted now."),
    )
    pks = [item.pk for item in locked]
    for attached in WorkItemFile.objects.filter(item_id__in=pks) | WorkItemFile.objects.filter(
        output__parent_id__in=pks
    ):
        delete_file(attached)
    WorkItem.objects.filter(pk__in=pks).delete()
    audit.record(
        actor=actor,
        action="workitems.items.deleted",
        target=queue,
        organisation=Organisation.objects.filter(pk=current_organisation_id()).first(),
        changes={"items": [[item.pk, item.reference] for item in locked]},
    )
    return len(locked)
