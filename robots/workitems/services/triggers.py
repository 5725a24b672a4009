"""Queue triggers: the items waiting in a deployment's work queues queue the jobs that work
them."""

from django.utils import timezone
from django_tenants.utils import schema_context

from core.tasks import isolated_row
from robots.models import Deployment, Job
from robots.services.jobs import Status, enqueue
from robots.workitems.selectors import waiting_per_deployment


def enqueue_queue_triggers(*, now=None) -> int:
    """Queue the jobs the queue triggers want: per active deployment with a trigger, the
    items waiting in its work queues decide how many jobs should be queued or running
    (``Deployment.queue_trigger_jobs_wanted``); the missing ones are queued. Jobs already
    queued or running count, whatever started them, so running this again (or from
    several beat processes at once) queues nothing more. Returns how many were queued.
    One query per member schema counts the waiting items."""
    now = now or timezone.now()
    triggered = Deployment.objects.filter(
        status=Deployment.Status.ACTIVE,
        queue_trigger_min_items__isnull=False,
        organisation__is_active=True,
    ).values_list("pk", "organisation__schema_name")
    by_schema: dict[str, list[int]] = {}
    for pk, schema_name in triggered:
        by_schema.setdefault(schema_name, []).append(pk)
    queued = 0
    for schema_name, deployment_ids in by_schema.items():
        waiting = {}
        with schema_context(schema_name), isolated_row(TASK, f"the work queues of {schema_name}"):
            waiting = waiting_per_deployment(now)
        for deployment_id in deployment_ids:
            if waiting.get(deployment_id):
                with isolated_row(
                    TASK, f"deployment {deployment_id}", subject=("deployment", deployment_id)
                ):
                    queued += _top_up(deployment_id, waiting[deployment_id])
    return queued


TASK = "robots.tasks.enqueue_queue_triggered_jobs"


def _top_up(deployment_id: int, waiting: int) -> int:
    deployment = (
        Deployment.objects.select_for_update(skip_locked=True)
        .select_related("organisation")
        .filter(pk=deployment_id, status=Deployment.Status.ACTIVE)
        .first()
    )
    if deployment is None:
        return 0  # paused meanwhile, or another beat process has it
    open_jobs = Job.objects.filter(
        deployment=deployment, status__in=[Status.QUEUED, Status.RUNNING]
    ).count()
    missing = deployment.queue_trigger_jobs_wanted(waiting) - open_jobs
    for _job in range(missing):
        enqueue(deployment=deployment, trigger=Job.Trigger.QUEUE)
    return max(missing, 0)
