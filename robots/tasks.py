from celery import shared_task

from config.tasks import enqueue_in_schema
from robots.workitems.tasks import abandon_stuck_items, apply_retention
from tenants.selectors import member_schema_names


@shared_task
def abandon_stuck_items_everywhere() -> int:
    """Beat entry point: one tenant-scoped task per member schema."""
    schemas = member_schema_names()
    for schema_name in schemas:
        enqueue_in_schema(abandon_stuck_items, schema_name)
    return len(schemas)


@shared_task
def apply_retention_everywhere() -> int:
    """Beat entry point: each member's queues erase the payloads they no longer keep."""
    schemas = member_schema_names()
    for schema_name in schemas:
        enqueue_in_schema(apply_retention, schema_name)
    return len(schemas)
