"""The audit trail: every service that changes the catalog, orders, ideas, governance,
deployments, credentials, runners or organisations calls ``record`` inside its transaction,
so the event exists exactly when the change does.

This module is core's service: the one writer of audit events, for every app. It writes
nothing on its own, only inside the caller's transaction, and ``save_changes`` is the one
way an update is saved and audited field by field ("snapshot, diff, save, audit").
"""

from collections.abc import Mapping

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

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


def changed(before: Mapping, after: Mapping) -> dict[str, list]:
    """What differs between two snapshots of the same names, as the audit trail keeps a
    change: name → [before, after]."""
    return {name: [before[name], after[name]] for name in before if before[name] != after[name]}


def save_changes(
    instance: models.Model,
    before: Mapping,
    after: Mapping,
    *,
    actor,
    action: str,
    organisation=None,
    stamp: str | None = None,
    update_fields: bool = False,
) -> dict[str, list]:
    """Save ``instance`` and record ``action`` with what changed between the snapshots
    ``before`` and ``after``; when nothing did, nothing is saved or recorded. ``stamp`` names
    a field set to now on a change (e.g. ``updated_at``); ``update_fields`` saves only the
    changed fields (the snapshots' names are then field names). Returns the changes."""
    changes = changed(before, after)
    if not changes:
        return changes
    if stamp:
        setattr(instance, stamp, timezone.now())
    instance.save(update_fields=list(changes) if update_fields else None)
    record(actor=actor, action=action, target=instance, organisation=organisation, changes=changes)
    return changes


def history(target: models.Model):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor")
