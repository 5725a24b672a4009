"""What the work-item services share: the item's history event, the member whose schema
the caller is in, and the checks of what goes into an item."""

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.parameters import parameter_errors
from core.validators import validate_sane_date
from robots.workitems.models import (
    PRIORITY_MAX,
    PRIORITY_MIN,
    WorkItem,
    WorkItemEvent,
    WorkItemFile,
    WorkQueue,
)
from tenants.models import Organisation

Status = WorkItem.Status


def event(item, from_status, to_status, *, actor=None, message="", at=None) -> WorkItemEvent:
    return WorkItemEvent(
        item=item,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        message=message,
    )


def current_organisation_id() -> int | None:
    """The member whose schema we are in (set by the middleware or by schema_context)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Organisation):
        return tenant.pk
    return (
        Organisation.objects.filter(schema_name=connection.schema_name)
        .values_list("pk", flat=True)
        .first()
    )


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


def item_field_problems(*, priority, deadline=None, defer_until=None) -> dict[str, list[str]]:
    """Why an item's own fields are out of bounds (priority 0–1000, dates in 2000–2100),
    by field; empty when they are fine. Every way in (form, API, upload) ends here."""
    problems: dict[str, list[str]] = {}
    if not isinstance(priority, int) or not PRIORITY_MIN <= priority <= PRIORITY_MAX:
        problems["priority"] = [
            _("The priority must be a whole number from %(min)s to %(max)s.")
            % {"min": PRIORITY_MIN, "max": PRIORITY_MAX}
        ]
    for name, value in (("deadline", deadline), ("defer_until", defer_until)):
        try:
            validate_sane_date(value)
        except ValidationError as error:
            problems[name] = error.messages
    return problems


def validate_payload(queue: WorkQueue, payload) -> None:
    problems = payload_problems(queue, payload)
    if problems:
        raise ValidationError({"payload": problems})


def validate_reference(queue: WorkQueue, reference: str, exclude_pk=None) -> None:
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


def delete_file(attached: WorkItemFile) -> None:
    """The row now, the stored file once the transaction has committed."""
    storage, path = attached.file.storage, attached.file.name
    attached.delete()
    transaction.on_commit(lambda: storage.delete(path))
