"""The accessibility statement: read it (a default until an administrator saves one) and
save it, audited."""

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
# What the default statement names as not accessible, until an administrator writes it.
KNOWN_NON_ACCESSIBLE = _(
    "The API documentation (/api/docs/) is Swagger UI, a tool for developers: some of its "
    "controls are nested and some of its text has too little contrast. The same description "
    "of the API is available as an OpenAPI document at /api/schema/."
)


def statement() -> AccessibilityStatement:
    """The saved statement, or an unsaved default prepared today."""
    return AccessibilityStatement.objects.first() or AccessibilityStatement(
        prepared_on=timezone.localdate(), non_accessible_content=str(KNOWN_NON_ACCESSIBLE)
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
