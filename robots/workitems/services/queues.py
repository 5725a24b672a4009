"""Work queues: create and change their settings."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from robots.models import Deployment
from robots.workitems.models import WorkQueue
from robots.workitems.services.common import current_organisation_id

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


def _note_queues(deployment_ids) -> None:
    """Mark on each deployment (in ``public``) whether any of the member's queues belongs to
    it, so that a claim knows whether to reserve the run's first input without reading the
    member's schema (``robots_claim_job``). In the member's schema context, in the
    transaction that changed the queues."""
    wanted = {pk for pk in deployment_ids if pk is not None}
    if wanted:
        Deployment.objects.filter(pk__in=wanted).update(
            work_queues_attached=Exists(WorkQueue.objects.filter(deployment_id=OuterRef("pk")))
        )


def _check_deployment(deployment) -> None:
    if deployment is not None and deployment.organisation_id != current_organisation_id():
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
    _note_queues([queue.deployment_id])
    return queue


@transaction.atomic
def update_queue(queue: WorkQueue, *, actor=None, **fields) -> WorkQueue:
    """Change a queue's settings. Switching unique references on is refused while the queue
    holds two items with the same reference."""
    queue = WorkQueue.objects.select_for_update().get(pk=queue.pk)
    was_unique = queue.unique_reference
    was_for = queue.deployment_id
    for name, value in fields.items():
        if name not in QUEUE_FIELDS:
            raise TypeError(f"unknown queue field: {name}")
        setattr(queue, name, value)
    if "deployment" in fields:
        _check_deployment(queue.deployment)
    queue.full_clean()
    queue.save()
    if queue.deployment_id != was_for:
        _note_queues([was_for, queue.deployment_id])
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
