"""The only writers of deployments (public schema). Every change is audited."""

from django.db import transaction
from django.utils import timezone

from catalog import audit
from robots.models import Deployment


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
    deployment.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="robots.deployment.status_changed",
        target=deployment,
        organisation=deployment.organisation,
        changes={"status": [before, status]},
    )
    return deployment
