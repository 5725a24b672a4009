"""The display layer: how stored values read on a page, in the reader's language.

Pages show stored values through these functions (as template filters in
``core.templatetags.display``), never raw: choice values get their labels, months their
names ("december 2026"), audit events a title and their changes as "field: before → after",
structured data JSON, messages stored in English by the runner agent a translation.
Identifiers are never localised: ``ident`` prints "#1094".
"""

import datetime
import json
import re
from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

EMPTY = "–"

# What each audit event says happened, by its code.
AUDIT_ACTIONS = {
    "billing.rate_card.ended": _("Rate card ended"),
    "catalog.robot.attachment_added": _("Attachment added to the robot"),
    "catalog.robot.created": _("Robot created"),
    "catalog.robot.updated": _("Robot changed"),
    "catalog.version.created": _("Version created"),
    "catalog.version.transitioned": _("Version moved to a new status"),
    "credentials.credential.changed": _("Credential changed"),
    "credentials.credential.created": _("Credential created"),
    "credentials.credential.deleted": _("Credential deleted"),
    "governance.record.created": _("Governance record created"),
    "governance.record.reviewed": _("Governance record reviewed"),
    "governance.record.updated": _("Governance record changed"),
    "insight.hourly_rate": _("Hourly rate changed"),
    "insight.minutes_saved": _("Minutes saved per item changed"),
    "intake.idea.assessed": _("Idea assessed"),
    "intake.idea.commented": _("Comment on the idea"),
    "intake.idea.joined": _("Member joined the idea"),
    "intake.idea.moved": _("Idea moved"),
    "intake.idea.submitted": _("Idea submitted"),
    "intake.weights.changed": _("Assessment weights changed"),
    "monitoring.alert.acknowledged": _("Alert acknowledged"),
    "monitoring.alert.assigned": _("Alert assigned"),
    "monitoring.alert.resolved": _("Alert resolved"),
    "orders.order.changed": _("Order moved to a new status"),
    "orders.order.commented": _("Comment on the order"),
    "orders.order.configured": _("Order configured"),
    "orders.order.placed": _("Order placed"),
    "robots.deployment.created": _("Deployment created"),
    "robots.deployment.status_changed": _("Deployment status changed"),
    "robots.deployment.updated": _("Deployment changed"),
    "robots.job.kill_requested": _("Run killed on request"),
    "robots.job.queued": _("Run queued"),
    "robots.job.retried": _("Run tried again"),
    "robots.job.stop_requested": _("Run stopped on request"),
    "robots.runner.registered": _("Runner registered"),
    "robots.runner.revoked": _("Runner revoked"),
    "robots.runner.token_rotated": _("Runner given a new key"),
    "tenants.organisation.details_changed": _("Organisation details changed"),
    "tenants.organisation.job_limit_changed": _("Limit of simultaneous runs changed"),
    "workitems.items.deleted": _("Work items deleted"),
    "workitems.upload.retried": _("Upload tried again"),
}

# Names in audit changes that are no field of the changed object.
CHANGE_NAMES = {
    "attachment": _("attachment"),
    "comment": _("comment"),
    "file": _("file"),
    "items": _("items"),
    "labels": _("labels"),
    "organisation": _("organisation"),
    "pool": _("pool"),
    "retry": _("new run"),
    "rows_done": _("rows done"),
    "status": _("status"),
    "title": _("title"),
}

# Messages the runner agent stores in English (it runs without Django's translations),
# each a pattern and its text in the reader's language.
STORED_MESSAGES: list[tuple[re.Pattern, Callable[[], str]]] = [
    (
        re.compile(r"The robot ended with exit code (?P<code>-?\d+)\."),
        lambda: gettext("The robot ended with exit code %(code)s."),
    ),
    (
        re.compile(r"Timed out after (?P<seconds>\d+) s\."),
        lambda: gettext("Timed out after %(seconds)s s."),
    ),
    (re.compile(r"Stopped on request\."), lambda: gettext("Stopped on request.")),
    (re.compile(r"Killed on request\."), lambda: gettext("Killed on request.")),
    (
        re.compile(r"The office took the job back\."),
        lambda: gettext("The office took the job back."),
    ),
]


def stored_message(text: str) -> str:
    """A message stored in English by the runner agent, in the reader's language; any other
    text as it is."""
    for pattern, template in STORED_MESSAGES:
        match = pattern.fullmatch(text or "")
        if match:
            return template() % match.groupdict()
    return text


def month(value) -> str:
    """A month as words: "december 2026" (a date, or text "2026-12")."""
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{4})-(\d{2})(?:-\d{2})?", value)
        if not match:
            return value
        value = datetime.date(int(match[1]), int(match[2]), 1)
    if not isinstance(value, datetime.date):
        return EMPTY if value is None else str(value)
    return formats.date_format(value, "F Y")


def as_json(value) -> str:
    """Structured data as the JSON the forms take back."""
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def plain(value) -> str:
    """One stored value as a reader reads it: yes/no, a dash for nothing, JSON for
    structures."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return str(value)


def audit_action(code: str) -> str:
    title = AUDIT_ACTIONS.get(code)
    return str(title) if title is not None else gettext("Change")


def _field(model: type[models.Model] | None, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _value_of(field, value) -> str:
    if isinstance(field, models.BooleanField) and value in ("True", "False"):
        value = value == "True"
    choices = getattr(field, "flatchoices", None) or getattr(
        getattr(field, "base_field", None), "flatchoices", None
    )
    if choices:
        labels = {str(key): label for key, label in choices}
        if isinstance(value, list):
            return ", ".join(str(labels.get(str(item), item)) for item in value) or EMPTY
        if str(value) in labels:
            return str(labels[str(value)])
    return plain(value)


def audit_changes(changes, model: type[models.Model] | None = None) -> list[tuple[str, str]]:
    """An audit event's changes as (what, how) pairs: "status", "test → godkendt"."""
    if not isinstance(changes, dict):
        return [("", plain(changes))] if changes else []
    rows = []
    for name, value in changes.items():
        field = _field(model, name)
        label = getattr(field, "verbose_name", None) or CHANGE_NAMES.get(name) or name
        is_pair = isinstance(value, list) and len(value) == 2 and name != "items"
        if is_pair and not isinstance(getattr(field, "base_field", None), models.Field):
            shown = f"{_value_of(field, value[0])} → {_value_of(field, value[1])}"
        else:
            shown = _value_of(field, value)
        rows.append((str(label), shown))
    return rows


def labels(values, choices) -> str:
    """Stored choice values by their labels ("Kommune, Boligorganisation")."""
    named = {str(key): str(label) for key, label in choices}
    return ", ".join(named.get(str(value), str(value)) for value in values or [])


def schema_title(key: str, schema) -> str:
    """A parameter's title from the JSON Schema describing it, else its key."""
    properties = (schema or {}).get("properties", {}) if isinstance(schema, dict) else {}
    spec = properties.get(key)
    return spec.get("title") or key if isinstance(spec, dict) else key


# The colour of a status, by its stored value, the same on every list: done (green), in
# motion (blue), waiting for someone (yellow), failed or refused (red), ended (grey).
STATUS_TONES = {
    "success": {
        "online",
        "succeeded",
        "done",
        "active",
        "live",
        "production",
        "approved",
        "accepted",
        "resolved",
        "closed",
        "finalized",
        "exported",
    },
    "info": {
        "running",
        "in_progress",
        "in_development",
        "test",
        "testing",
        "assessment",
        "preview",
        "submitted",
        "queued",
        "open",
    },
    "warning": {
        "pending",
        "paused",
        "new",
        "draft",
        "idea",
        "business_exception",
        "manual",
        "acknowledged",
        "silent",
        "warning",
    },
    "error": {"revoked", "critical", "failed", "application_exception", "rejected", "abandoned"},
}


def status_tone(value: str) -> str:
    for tone, values in STATUS_TONES.items():
        if value in values:
            return tone
    return "neutral"
