"""The only writers of deployments (public schema). Every change is audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from robots.models import Deployment
from robots.schedules import last_fire_time

# What the office may change on a running deployment (its parameters come from the order).
EDITABLE_FIELDS = (
    "schedule",
    "skip_holidays",
    "priority",
    "pool",
    "required_labels",
    "max_concurrency",
    "timeout_minutes",
    "max_attempts",
    "queue_trigger_min_items",
    "queue_trigger_max_jobs",
    "queue_trigger_items_per_job",
)


def _skip_past_fires(deployment: Deployment, now) -> None:
    """Count the schedule as fired up to now: a resumed or rescheduled deployment does not
    make up for fires it missed (or that a new schedule names in the past)."""
    deployment.last_scheduled_for = (
        last_fire_time(deployment.schedule, now) if deployment.schedule else None
    )


@transaction.atomic
def create_deployment(
    *, organisation, robot_version, name, parameters, schedule, process_owner, actor
) -> Deployment:
    deployment = Deployment(
        organisation=organisation,
        robot_version=robot_version,
        name=name[:200],
        parameters=parameters,
        schedule=schedule,
        process_owner=process_owner,
    )
    deployment.full_clean()
    deployment.save()
    audit.record(
        actor=actor,
        action="robots.deployment.created",
        target=deployment,
        organisation=organisation,
        changes={
            "version": str(robot_version),
            "parameters": parameters,
            "schedule": schedule,
            "process_owner": process_owner.pk,
        },
    )
    return deployment


@transaction.atomic
def set_deployment_status(*, deployment: Deployment, status: str, actor) -> Deployment:
    deployment = Deployment.objects.select_for_update().get(pk=deployment.pk)
    if deployment.status == status:
        return deployment
    before = deployment.status
    deployment.status = status
    deployment.updated_at = timezone.now()
    if status == Deployment.Status.ACTIVE:
        _skip_past_fires(deployment, deployment.updated_at)
    deployment.save(update_fields=["status", "updated_at", "last_scheduled_for"])
    audit.record(
        actor=actor,
        action="robots.deployment.status_changed",
        target=deployment,
        organisation=deployment.organisation,
        changes={"status": [before, status]},
    )
    return deployment


def pause_deployment(*, deployment: Deployment, actor) -> Deployment:
    """No schedule, queue trigger or new runs until resumed; running jobs go on, queued
    ones wait."""
    if deployment.status == Deployment.Status.RETIRED:
        raise ValidationError(_("A retired deployment cannot be paused."), code="retired")
    return set_deployment_status(
        deployment=deployment, status=Deployment.Status.PAUSED, actor=actor
    )


def resume_deployment(*, deployment: Deployment, actor) -> Deployment:
    if deployment.status == Deployment.Status.RETIRED:
        raise ValidationError(_("A retired deployment cannot be resumed."), code="retired")
    return set_deployment_status(
        deployment=deployment, status=Deployment.Status.ACTIVE, actor=actor
    )


@transaction.atomic
def update_deployment(*, deployment: Deployment, actor, **changes) -> Deployment:
    """Change a deployment's schedule and limits (``EDITABLE_FIELDS``). Invalid values
    (e.g. a cron expression that is not one) raise ValidationError and change nothing."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    deployment = Deployment.objects.select_for_update().get(pk=deployment.pk)
    if deployment.status == Deployment.Status.RETIRED:
        raise ValidationError(_("A retired deployment cannot be changed."), code="retired")
    diff = audit.changed({name: getattr(deployment, name) for name in changes}, changes)
    if not diff:
        return deployment
    for name, (_before, value) in diff.items():
        setattr(deployment, name, value)
    deployment.full_clean(exclude=["parameters"])
    deployment.updated_at = timezone.now()
    if "schedule" in diff:
        _skip_past_fires(deployment, deployment.updated_at)
    deployment.save()
    audit.record(
        actor=actor,
        action="robots.deployment.updated",
        target=deployment,
        organisation=deployment.organisation,
        changes=diff,
    )
    return deployment
