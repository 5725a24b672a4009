"""The display layer on pages (``{% load display %}``); the rules are in ``core.display``.

- ``{{ period.month|month }}`` → "december 2026";
- ``{{ event.action|audit_action }}`` and ``{% audit_changes event as rows %}``;
- ``{{ item.payload|as_json }}`` → JSON as the forms take it back;
- ``{{ value|plain }}`` → one value: "ja"/"nej", "–" for nothing, JSON for structures;
- ``{{ key|schema_title:schema }}`` → a parameter's title from the robot's JSON Schema;
- ``{{ job.message|stored_message }}`` → a message the runner agent stored, translated;
- ``{% status_badge value label %}`` → a status as a coloured badge with its text.
"""

from django import template

from core import display

register = template.Library()

register.filter("month", display.month)
register.filter("audit_action", display.audit_action)
register.filter("as_json", display.as_json)
register.filter("plain", display.plain)
register.filter("schema_title", display.schema_title)
register.filter("stored_message", display.stored_message)


@register.simple_tag
def audit_changes(event):
    """The rows "what: before → after" of an audit event."""
    return display.audit_changes(event.changes, event.target_type.model_class())


@register.inclusion_tag("core/status_badge.html")
def status_badge(value, label=None):
    """A status as a badge with its colour and its text: ``{% status_badge job %}`` (an
    object with ``status`` and ``get_status_display``) or ``{% status_badge value label %}``."""
    if label is None and hasattr(value, "get_status_display"):
        value, label = value.status, value.get_status_display()
    return {"value": value, "label": label or value, "tone": display.status_tone(value)}


@register.filter
def status_change(event) -> str:
    """An audit event's change of status by its labels ("Test → Godkendt"), or nothing."""
    if not isinstance(event.changes, dict) or "status" not in event.changes:
        return ""
    return display.audit_changes(
        {"status": event.changes["status"]}, event.target_type.model_class()
    )[0][1]


@register.filter
def months(values) -> str:
    """Several months as words: "november 2026, december 2026"."""
    return ", ".join(display.month(value) for value in values or [])
