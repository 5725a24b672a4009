from celery import shared_task
from django_tenants.utils import schema_context

from core.tasks import enqueue_in_schema
from robots.services import jobs
from robots.workitems import services as workitems
from robots.workitems.services import triggers as queue_triggers
from robots.workitems.tasks import abandon_stuck_items, apply_retention, read_waiting_uploads
from tenants.selectors import member_schema_names


@shared_task
def abandon_stuck_items_everywhere() -> int:
    """Beat entry point: one tenant-scoped task per member schema."""
    schemas = member_schema_names()
    for schema_name in schemas:
        enqueue_in_schema(abandon_stuck_items, schema_name)
    return len(schemas)


@shared_task
def read_waiting_uploads_everywhere() -> int:
    """Beat entry point: each member reads its uploads whose task was lost."""
    schemas = member_schema_names()
    for schema_name in schemas:
        enqueue_in_schema(read_waiting_uploads, schema_name)
    return len(schemas)


@shared_task
def enqueue_scheduled_jobs() -> int:
    """Beat, every 30 s: queue the runs whose schedules have fired."""
    return jobs.enqueue_due_schedules()


@shared_task
def enqueue_queue_triggered_jobs() -> int:
    """Beat, every 30 s: queue the runs the deployments' queue triggers want."""
    return queue_triggers.enqueue_queue_triggers()


@shared_task
def expire_job_leases() -> dict:
    """Beat, every 15 s: requeue or fail jobs whose runner stopped sending heartbeats; the
    input reserved at such a job's claim and not released goes back to its queue."""
    return jobs.expire_leases(on_expired=give_back_first_input)


def give_back_first_input(job, item_id: int | None, *, started: bool = True) -> None:
    if item_id is None:
        return
    with schema_context(job.organisation.schema_name):
        workitems.give_back_first_input(item_id, job_id=job.pk, started=started)


@shared_task
def apply_retention_everywhere() -> int:
    """Beat entry point: each member's queues erase the payloads they no longer keep."""
    schemas = member_schema_names()
    for schema_name in schemas:
        enqueue_in_schema(apply_retention, schema_name)
    return len(schemas)
