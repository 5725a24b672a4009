"""Manual handling of items handed back by robots: assign, resolve, close, resubmit."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from robots.workitems.models import WorkItem, WorkItemEvent
from robots.workitems.services.common import (
    Status,
    current_organisation_id,
    event,
    validate_payload,
)
from tenants.models import Membership


def _lock_handed_back(items: Iterable[WorkItem]) -> list[WorkItem]:
    pks = sorted({item.pk for item in items})
    if not pks:
        raise ValidationError(_("Choose at least one item."))
    locked = list(WorkItem.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
    waiting = [item for item in locked if item.handed_back]
    if len(waiting) != len(pks):
        not_waiting = sorted(set(pks) - {item.pk for item in waiting})
        raise ValidationError(
            _("These items are not waiting for manual handling: %(items)s.")
            % {"items": ", ".join(f"#{pk}" for pk in not_waiting)}
        )
    return locked


@transaction.atomic
def assign(items: Iterable[WorkItem], user, *, actor) -> int:
    """Give handed-back items to a person of this organisation (``None`` unassigns)."""
    locked = _lock_handed_back(items)
    members = Membership.objects.filter(organisation_id=current_organisation_id())
    if user is not None and not members.filter(user=user).exists():
        raise ValidationError({"user": _("Choose a person of your organisation.")})
    message = _("Assigned to %(user)s") % {"user": user} if user is not None else _("Unassigned")
    WorkItem.objects.filter(pk__in=[item.pk for item in locked]).update(assigned_to=user)
    WorkItemEvent.objects.bulk_create(
        [event(item, item.status, item.status, actor=actor, message=message) for item in locked]
    )
    return len(locked)


def _finish_by_hand(items, status: str, *, actor, note: str) -> int:
    locked = _lock_handed_back(items)
    now = timezone.now()
    WorkItem.objects.filter(pk__in=[item.pk for item in locked]).update(
        status=status, finished_at=now
    )
    WorkItemEvent.objects.bulk_create(
        [event(item, item.status, status, actor=actor, message=note, at=now) for item in locked]
    )
    return len(locked)


@transaction.atomic
def resolve(items: Iterable[WorkItem], *, actor, note: str = "") -> int:
    """The cases were handled by hand."""
    return _finish_by_hand(items, Status.RESOLVED, actor=actor, note=note)


@transaction.atomic
def close(items: Iterable[WorkItem], *, actor, note: str = "") -> int:
    """Nothing more is to be done with the cases."""
    return _finish_by_hand(items, Status.CLOSED, actor=actor, note=note)


@transaction.atomic
def resubmit(item: WorkItem, *, actor, payload: dict | None = None, note: str = "") -> WorkItem:
    """Back to the robot, optionally with a corrected payload; attempts start over."""
    (item,) = _lock_handed_back([item])
    item = WorkItem.objects.select_related("queue").get(pk=item.pk)
    before = item.status
    if payload is not None:
        validate_payload(item.queue, payload)
        edited = payload != item.payload
        item.payload = payload
    else:
        edited = False
    item.status = Status.NEW
    item.attempts = 0
    item.outcome = ""
    item.defer_until = None
    item.started_at = None
    item.finished_at = None
    item.save()
    message = _("Resubmitted with an edited payload") if edited else _("Resubmitted")
    if note:
        message = f"{message}: {note}"
    event(item, before, Status.NEW, actor=actor, message=message).save()
    return item
