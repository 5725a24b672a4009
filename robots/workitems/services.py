"""The only writers of work queues and items. Every function works inside the member schema
the caller chose (the request's site, or the schema a tenant-aware task carries).

Every change of an item's state writes a ``WorkItemEvent``: that is the item's history.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.parameters import parameter_errors
from robots.workitems.models import (
    WorkItem,
    WorkItemEvent,
    WorkItemFile,
    WorkItemOutput,
    WorkQueue,
)
from tenants.models import Membership, Organisation

Status = WorkItem.Status


QUEUE_FIELDS = (
    "name",
    "description",
    "deployment",
    "unique_reference",
    "payload_schema",
    "max_retries",
    "retry_delay_seconds",
    "abandon_after_minutes",
    "retention_days",
    "sla_minutes",
)


def _event(item, from_status, to_status, *, actor=None, message="", at=None) -> WorkItemEvent:
    return WorkItemEvent(
        item=item,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        message=message,
    )


def _organisation_id() -> int | None:
    """The member whose schema we are in (set by the middleware or by schema_context)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Organisation):
        return tenant.pk
    return (
        Organisation.objects.filter(schema_name=connection.schema_name)
        .values_list("pk", flat=True)
        .first()
    )


# --- Queues -------------------------------------------------------------------------------


def _check_deployment(deployment) -> None:
    if deployment is not None and deployment.organisation_id != _organisation_id():
        raise ValidationError({"deployment": _("Choose one of your own deployments.")})


@transaction.atomic
def create_queue(*, actor=None, **fields) -> WorkQueue:
    unknown = set(fields) - set(QUEUE_FIELDS)
    if unknown:
        raise TypeError(f"unknown queue fields: {sorted(unknown)}")
    queue = WorkQueue(**fields)
    _check_deployment(queue.deployment)
    queue.full_clean()
    queue.save()
    return queue


@transaction.atomic
def update_queue(queue: WorkQueue, *, actor=None, **fields) -> WorkQueue:
    """Change a queue's settings. Switching unique references on is refused while the queue
    holds two items with the same reference."""
    queue = WorkQueue.objects.select_for_update().get(pk=queue.pk)
    was_unique = queue.unique_reference
    for name, value in fields.items():
        if name not in QUEUE_FIELDS:
            raise TypeError(f"unknown queue field: {name}")
        setattr(queue, name, value)
    if "deployment" in fields:
        _check_deployment(queue.deployment)
    queue.full_clean()
    queue.save()
    if queue.unique_reference != was_unique:
        try:
            with transaction.atomic():
                queue.items.update(reference_unique=queue.unique_reference)
        except IntegrityError:
            raise ValidationError(
                {
                    "unique_reference": _(
                        "The queue already holds items with the same reference; "
                        "references cannot be made unique."
                    )
                }
            ) from None
    return queue


# --- Validation of what goes into an item --------------------------------------------------


def payload_problems(queue: WorkQueue, payload, name="payload") -> list[str]:
    """Why ``payload`` (or a robot's ``output``) cannot go into ``queue`` (empty if it can)."""
    if not isinstance(payload, dict):
        if name == "payload":
            return [_("The payload must be a JSON object.")]
        return [_("The output must be a JSON object.")]
    limit = settings.WORK_ITEM_PAYLOAD_MAX_BYTES
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    if size > limit:
        sizes = {"size": -(-size // 1024), "limit": limit // 1024}
        if name == "payload":
            return [_("The payload is %(size)s KiB; at most %(limit)s KiB is allowed.") % sizes]
        return [_("The output is %(size)s KiB; at most %(limit)s KiB is allowed.") % sizes]
    if queue.payload_schema and name == "payload":
        errors = parameter_errors(queue.payload_schema, payload)
        return [
            (message if field == "__all__" else f"{field}: {message}")
            for field, messages in errors.items()
            for message in messages
        ]
    return []


def _validate_payload(queue: WorkQueue, payload) -> None:
    problems = payload_problems(queue, payload)
    if problems:
        raise ValidationError({"payload": problems})


def _validate_reference(queue: WorkQueue, reference: str, exclude_pk=None) -> None:
    if len(reference) > 200:
        raise ValidationError({"reference": _("A reference is at most 200 characters.")})
    if queue.unique_reference and reference:
        taken = queue.items.filter(reference=reference)
        if exclude_pk:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            raise ValidationError(
                {
                    "reference": _("The reference %(reference)s is already in the queue.")
                    % {"reference": reference}
                }
            )


# --- Adding items -------------------------------------------------------------------------


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
    _validate_payload(queue, payload)
    _validate_reference(queue, reference)
    item = WorkItem(
        queue=queue,
        reference=reference,
        reference_unique=queue.unique_reference,
        payload=payload,
        priority=priority or 0,
        deadline=deadline,
        defer_until=defer_until,
    )
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:  # added by someone else since we looked
        _validate_reference(queue, reference)
        raise
    _event(item, "", Status.NEW, actor=actor, message=_("Added")).save()
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
        problems = payload_problems(queue, row.payload)
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
        [_event(item, "", Status.NEW, actor=actor, message=_("Added"), at=now) for item in items]
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


# --- Robots: reserve and release ----------------------------------------------------------


@transaction.atomic
def reserve_next(queue: WorkQueue, *, job_id: int | None = None, now=None) -> WorkItem | None:
    """Hand the next item to a robot (of the run ``job_id``): new, not deferred, highest
    priority, then oldest.

    ``SKIP LOCKED`` lets concurrent robots each take a different item without waiting.
    """
    now = now or timezone.now()
    item = (
        WorkItem.objects.select_for_update(skip_locked=True)
        .filter(queue=queue, status=Status.NEW)
        .exclude(defer_until__gt=now)
        .order_by("-priority", "created_at", "pk")
        .first()
    )
    if item is None:
        return None
    item.status = Status.IN_PROGRESS
    item.started_at = now
    item.finished_at = None
    item.attempts += 1
    item.reserved_by_job = job_id
    item.save(update_fields=["status", "started_at", "finished_at", "attempts", "reserved_by_job"])
    _event(
        item,
        Status.NEW,
        Status.IN_PROGRESS,
        at=now,
        message=_("Reserved by a robot (attempt %(n)s)") % {"n": item.attempts},
    ).save()
    return item


OUTCOMES = (Status.DONE, Status.BUSINESS_EXCEPTION, Status.APPLICATION_EXCEPTION)


@transaction.atomic
def release(
    item: WorkItem,
    *,
    outcome: str,
    message: str = "",
    output: dict | None = None,
    attempt: int | None = None,
    job_id: int | None = None,
    now=None,
) -> WorkItem:
    """A robot reports how an item went.

    Idempotent: a repeated release (same outcome, item no longer in progress) changes
    nothing, and a release naming an earlier ``attempt`` is ignored. A run (``job_id``) may
    release only the item it reserved last: a late replay from an earlier run, after the item
    was reserved again, is refused and changes nothing. An application error
    goes back to ``new`` after the queue's retry delay until the maximum attempts is
    reached; a business exception goes to manual handling.
    """
    now = now or timezone.now()
    if outcome not in OUTCOMES:
        raise ValidationError(
            {"outcome": _("Choose one of: %(choices)s.") % {"choices": ", ".join(OUTCOMES)}}
        )
    item = WorkItem.objects.select_for_update().select_related("queue").get(pk=item.pk)
    if attempt is not None and attempt != item.attempts:
        return item  # a late report of an earlier attempt
    if job_id is not None and item.reserved_by_job != job_id:
        raise ValidationError(_("Another run has reserved this item since; nothing changed."))
    if item.status != Status.IN_PROGRESS:
        if item.outcome == outcome:
            return item
        raise ValidationError(
            _("The item is not in progress (it is %(status)s).")
            % {"status": item.get_status_display()}
        )
    if output is not None:
        problems = payload_problems(item.queue, output, name="output")
        if problems:
            raise ValidationError({"output": problems})
        item.output = output
    before = item.status
    item.outcome = outcome
    item.reason = message if outcome != Status.DONE else ""
    if outcome == Status.APPLICATION_EXCEPTION and item.attempts < item.queue.max_retries:
        item.status = Status.NEW
        item.defer_until = now + timedelta(seconds=item.queue.retry_delay_seconds)
        item.started_at = None
        text = _("Application error; tried again after %(time)s: %(message)s") % {
            "time": timezone.localtime(item.defer_until).strftime("%H:%M:%S"),
            "message": message,
        }
    else:
        item.status = outcome
        item.finished_at = now
        text = message
    item.save()
    _event(item, before, item.status, at=now, message=text).save()
    return item


def reserve_for_deployment(deployment_id: int, *, job_id: int) -> WorkItem | None:
    """The next item of any queue the deployment works (queues in the order created)."""
    for queue in WorkQueue.objects.filter(deployment_id=deployment_id).order_by("pk"):
        item = reserve_next(queue, job_id=job_id)
        if item is not None:
            return item
    return None


@transaction.atomic
def save_payload_by_robot(item: WorkItem, payload) -> WorkItem:
    """A robot rewrites an input item's payload (the queue's schema and size still hold)."""
    item = WorkItem.objects.select_for_update().select_related("queue").get(pk=item.pk)
    _validate_payload(item.queue, payload)
    if payload != item.payload:
        item.payload = payload
        item.save(update_fields=["payload"])
        _event(item, item.status, item.status, message=_("Payload changed by the robot")).save()
    return item


def _check_output(payload) -> None:
    problems = payload_problems(WorkQueue(), payload, name="output")
    if problems:
        raise ValidationError({"payload": problems})


@transaction.atomic
def create_output(parent: WorkItem, payload=None) -> WorkItemOutput:
    """An output item a robot made from ``parent``."""
    payload = {} if payload is None else payload
    _check_output(payload)
    return WorkItemOutput.objects.create(parent=parent, payload=payload)


@transaction.atomic
def save_output_payload(output: WorkItemOutput, payload) -> WorkItemOutput:
    _check_output(payload)
    output.payload = payload
    output.save(update_fields=["payload"])
    return output


def check_file_size(size: int) -> None:
    limit = settings.WORK_ITEM_FILE_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s; a work item's file may be at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def _check_file_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 255 or "/" in name or "\\" in name or name in (".", ".."):
        raise ValidationError(_("A file name must be 1 to 255 characters without slashes."))
    return name


def check_new_file(name: str, size: int) -> str:
    """Refuse a file before it is sent: a clear error about its name or size."""
    check_file_size(size)
    return _check_file_name(name)


@transaction.atomic
def attach_file(owner: WorkItem | WorkItemOutput, *, name: str, content: bytes) -> WorkItemFile:
    """Store a robot's file with an input or output item; a file of the same name is
    replaced. Files live in MEDIA under the member's schema."""
    name = check_new_file(name, len(content))
    owner_field = "item" if isinstance(owner, WorkItem) else "output"
    for old in WorkItemFile.objects.select_for_update().filter(**{owner_field: owner}, name=name):
        remove_file(old)
    attached = WorkItemFile(**{owner_field: owner}, name=name, size=len(content))
    attached.file.save(name, ContentFile(content), save=False)
    attached.save()
    if isinstance(owner, WorkItem):
        _event(
            owner, owner.status, owner.status, message=_("File %(name)s added") % {"name": name}
        ).save()
    return attached


def _delete_file(attached: WorkItemFile) -> None:
    """The row now, the stored file once the transaction has committed."""
    storage, path = attached.file.storage, attached.file.name
    attached.delete()
    transaction.on_commit(lambda: storage.delete(path))


@transaction.atomic
def remove_file(attached: WorkItemFile) -> None:
    if attached.item_id is not None:
        item = attached.item
        _event(
            item,
            item.status,
            item.status,
            message=_("File %(name)s removed") % {"name": attached.name},
        ).save()
    _delete_file(attached)


@transaction.atomic
def abandon_stuck_items(*, now=None) -> int:
    """Mark items left in progress longer than their queue allows as abandoned.

    Runs inside the member's schema (the caller — a tenant-aware task — chose it).
    """
    now = now or timezone.now()
    total = 0
    for queue in WorkQueue.objects.all():
        cutoff = now - timedelta(minutes=queue.abandon_after_minutes)
        stuck = list(
            WorkItem.objects.select_for_update(skip_locked=True)
            .filter(queue=queue, status=Status.IN_PROGRESS, started_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        if not stuck:
            continue
        WorkItem.objects.filter(pk__in=stuck).update(
            status=Status.ABANDONED, finished_at=now, outcome=Status.ABANDONED
        )
        message = _("No answer from the robot for %(minutes)s minutes") % {
            "minutes": queue.abandon_after_minutes
        }
        WorkItemEvent.objects.bulk_create(
            [
                WorkItemEvent(
                    item_id=pk,
                    at=now,
                    from_status=Status.IN_PROGRESS,
                    to_status=Status.ABANDONED,
                    message=message,
                )
                for pk in stuck
            ]
        )
        total += len(stuck)
    return total


# --- Manual handling ----------------------------------------------------------------------


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
    if (
        user is not None
        and not Membership.objects.filter(user=user, organisation_id=_organisation_id()).exists()
    ):
        raise ValidationError({"user": _("Choose a person of your organisation.")})
    message = _("Assigned to %(user)s") % {"user": user} if user is not None else _("Unassigned")
    WorkItem.objects.filter(pk__in=[item.pk for item in locked]).update(assigned_to=user)
    WorkItemEvent.objects.bulk_create(
        [_event(item, item.status, item.status, actor=actor, message=message) for item in locked]
    )
    return len(locked)


def _finish_by_hand(items, status: str, *, actor, note: str) -> int:
    locked = _lock_handed_back(items)
    now = timezone.now()
    WorkItem.objects.filter(pk__in=[item.pk for item in locked]).update(
        status=status, finished_at=now
    )
    WorkItemEvent.objects.bulk_create(
        [_event(item, item.status, status, actor=actor, message=note, at=now) for item in locked]
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
        _validate_payload(item.queue, payload)
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
    _event(item, before, Status.NEW, actor=actor, message=message).save()
    return item


# --- Retention ----------------------------------------------------------------------------


@transaction.atomic
def apply_retention(*, now=None) -> int:
    """Erase payloads, outputs and reasons of items finished longer ago than their queue
    keeps them. Status, reference, attempts and timings stay: statistics and billing."""
    now = now or timezone.now()
    total = 0
    for queue in WorkQueue.objects.filter(retention_days__isnull=False):
        cutoff = now - timedelta(days=queue.retention_days)
        expired = WorkItem.objects.filter(
            queue=queue,
            status__in=WorkItem.FINISHED,
            finished_at__lt=cutoff,
            payload_erased_at__isnull=True,
        )
        pks = list(expired.values_list("pk", flat=True))
        if not pks:
            continue
        WorkItem.objects.filter(pk__in=pks).update(
            payload={}, output=None, reason="", payload_erased_at=now
        )
        # The history's messages may quote the payload or a robot's reason.
        WorkItemEvent.objects.filter(item_id__in=pks).update(message="")
        WorkItemOutput.objects.filter(parent_id__in=pks).update(payload={})
        for attached in WorkItemFile.objects.filter(
            Q(item_id__in=pks) | Q(output__parent_id__in=pks)
        ):
            _delete_file(attached)
        WorkItemEvent.objects.bulk_create(
            [
                WorkItemEvent(
                    item_id=pk,
                    at=now,
                    from_status=status,
                    to_status=status,
                    message=_("Payload erased (kept %(days)s days)")
                    % {"days": queue.retention_days},
                )
                for pk, status in WorkItem.objects.filter(pk__in=pks).values_list("pk", "status")
            ]
        )
        queue.uploads.filter(finished_at__lt=cutoff).update(errors=[], content=b"")
        total += len(pks)
    return total
