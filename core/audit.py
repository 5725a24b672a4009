"""The audit trail: every service that changes the catalog, orders, ideas, governance,
deployments, credentials, runners or organisations calls ``record`` inside its transaction,
so the event exists exactly when the change does."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.models import AuditEvent


def record(*, actor, action: str, target: models.Model, organisation=None, changes=None):
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        organisation=organisation,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        changes=changes or {},
    )


def history(target: models.Model):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor")
