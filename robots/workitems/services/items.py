"""Adding items to a queue, one by one or in bulk."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from robots.workitems.models import WorkItem, WorkItemEvent, WorkQueue
from robots.workitems.services.common import (
    Status,
    event,
    item_field_problems,
    payload_problems,
    validate_payload,
    validate_reference,
)


@transaction.atomic
def add_item(
    queue: WorkQueue,
    *,
    reference: str = "",
    payload: dict | None = None,
    priority: int = 0,
    deadline: datetime | None = None,
    defer_until: datetime | None = None,
    actor=None,
) -> WorkItem:
    """Add one item; refused with a clear error (and nothing saved) if the payload is too
    large or breaks the queue's schema, or the reference is taken in a unique queue."""
    payload = {} if payload is None else payload
    reference = (reference or "").strip()
    priority = priority or 0
    problems = item_field_problems(priority=priority, deadline=deadline, defer_until=defer_until)
    if problems:
        raise ValidationError(problems)
    validate_payload(queue, payload)
    validate_reference(queue, reference)
    item = WorkItem(
        queue=queue,
        reference=reference,
        reference_unique=queue.unique_reference,
        payload=payload,
        priority=priority,
        deadline=deadline,
        defer_until=defer_until,
    )
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:  # added by someone else since we looked
        validate_reference(queue, reference)
        raise
    event(item, "", Status.NEW, actor=actor, message=_("Added")).save()
    return item


@dataclass
class ItemRow:
    """One item to add in bulk; ``line`` is where it came from (for error reports)."""

    line: int
    reference: str = ""
    payload: dict = field(default_factory=dict)
    priority: int = 0
    deadline: datetime | None = None
    defer_until: datetime | None = None


@dataclass
class BulkResult:
    items: list[WorkItem]
    errors: list[dict]  # {"line": n, "message": "..."}


@transaction.atomic
def add_items_bulk(queue: WorkQueue, rows: Sequence[ItemRow], *, actor=None) -> BulkResult:
    """Add the valid rows, report the others by line. Nothing is silently dropped: every
    row is either an item or an error."""
    errors: list[dict] = []
    valid: list[ItemRow] = []
    for row in rows:
        row.reference = (row.reference or "").strip()
        row.priority = row.priority or 0
        problems = payload_problems(queue, row.payload)
        fields = item_field_problems(
            priority=row.priority, deadline=row.deadline, defer_until=row.defer_until
        )
        problems += [f"{name}: {text}" for name, texts in fields.items() for text in texts]
        if len(row.reference) > 200:
            problems.append(_("A reference is at most 200 characters."))
        if problems:
            errors.append({"line": row.line, "message": "; ".join(problems)})
        else:
            valid.append(row)
    if queue.unique_reference:
        valid = _drop_taken_references(queue, valid, errors)
    now = timezone.now()
    items = [
        WorkItem(
            queue=queue,
            reference=row.reference,
            reference_unique=queue.unique_reference,
            payload=row.payload,
            priority=row.priority or 0,
            deadline=row.deadline,
            defer_until=row.defer_until,
            created_at=now,
        )
        for row in valid
    ]
    try:
        with transaction.atomic():
            WorkItem.objects.bulk_create(items)
    except IntegrityError:
        # Someone added one of these references meanwhile: add row by row.
        items = []
        for row in valid:
            try:
                with transaction.atomic():
                    items.append(
                        WorkItem.objects.create(
                            queue=queue,
                            reference=row.reference,
                            reference_unique=queue.unique_reference,
                            payload=row.payload,
                            priority=row.priority or 0,
                            deadline=row.deadline,
                            defer_until=row.defer_until,
                            created_at=now,
                        )
                    )
            except IntegrityError:
                errors.append({"line": row.line, "message": _taken_message(row.reference)})
    WorkItemEvent.objects.bulk_create(
        [event(item, "", Status.NEW, actor=actor, message=_("Added"), at=now) for item in items]
    )
    errors.sort(key=lambda error: error["line"])
    return BulkResult(items=items, errors=errors)


def _taken_message(reference: str) -> str:
    return _("The reference %(reference)s is already in the queue.") % {"reference": reference}


def _drop_taken_references(queue, rows: list[ItemRow], errors: list[dict]) -> list[ItemRow]:
    references = {row.reference for row in rows if row.reference}
    taken = set(queue.items.filter(reference__in=references).values_list("reference", flat=True))
    kept = []
    for row in rows:
        if row.reference and row.reference in taken:
            errors.append({"line": row.line, "message": _taken_message(row.reference)})
            continue
        if row.reference:
            taken.add(row.reference)  # a second row with it in the same batch
        kept.append(row)
    return kept
