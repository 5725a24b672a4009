from celery import shared_task
from django.db import connection

from core.tasks import enqueue_in_schema
from robots.monitoring import detectors
from tenants.models import Organisation
from tenants.selectors import member_schema_names


@shared_task
def detect_problems() -> dict:
    """Beat, every minute: the office-wide detectors here, then one tenant-scoped task per
    member schema for its queues, deadlines and credentials."""
    found = detectors.detect_office_problems()
    for schema_name in member_schema_names():
        enqueue_in_schema(detect_member_problems, schema_name)
    return found


@shared_task
def detect_member_problems() -> dict:
    """Runs in the member schema named by the task's headers (tenant-schemas-celery)."""
    organisation = Organisation.objects.get(schema_name=connection.schema_name)
    return detectors.detect_member_problems(organisation)
