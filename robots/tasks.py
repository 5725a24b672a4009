from celery import shared_task

from config.tasks import enqueue_in_schema
from robots.workitems.tasks import abandon_stuck_items
from tenants.selectors import member_schema_names


@shared_task
def abandon_stuck_items_everywhere() -> int:
    """Beat entry point: one tenant-scoped task per member schema."""
    schemas = member_schema_names()
    for schema_name in schemas:
        enqueue_in_schema(abandon_stuck_items, schema_name)
    return len(schemas)
