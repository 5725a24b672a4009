"""The accessibility statement: read it (a default until an administrator saves one) and
save it, audited."""

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from core import audit
from core.models import AccessibilityStatement

FIELDS = (
    "compliance",
    "non_accessible_content",
    "feedback_email",
    "feedback_phone",
    "assessment",
    "prepared_on",
    "reviewed_on",
)


def statement() -> AccessibilityStatement:
    """The saved statement, or an unsaved default prepared today."""
    return AccessibilityStatement.objects.first() or AccessibilityStatement(
        prepared_on=timezone.localdate()
    )


@transaction.atomic
def save_statement(*, actor, **values) -> AccessibilityStatement:
    """Save the statement's fields (those of ``FIELDS``) and record what changed."""
    current = AccessibilityStatement.objects.select_for_update().first()
    instance = current or AccessibilityStatement()
    before = {name: None for name in FIELDS} if current is None else model_to_dict(current, FIELDS)
    for name in FIELDS:
        setattr(instance, name, values[name])
    instance.full_clean()
    after = model_to_dict(instance, FIELDS)
    if current is None:
        instance.save()
        audit.record(
            actor=actor,
            action="accessibility.statement.saved",
            target=instance,
            changes=audit.changed(before, after),
        )
    else:
        audit.save_changes(
            instance, before, after, actor=actor, action="accessibility.statement.saved"
        )
    return instance
