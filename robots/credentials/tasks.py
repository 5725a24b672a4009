from celery import shared_task
from django.db import connection

from config.tasks import enqueue_in_schema
from robots.credentials import services
from tenants.models import Organisation
from tenants.selectors import member_schema_names


@shared_task
def warn_about_expiring_credentials() -> int:
    """Runs in the member schema named by the task's headers (tenant-schemas-celery)."""
    organisation = Organisation.objects.get(schema_name=connection.schema_name)
    return services.warn_about_expiring(organisation=organisation)


@shared_task
def warn_about_expiring_credentials_everywhere() -> int:
    """Beat entry point (daily): one tenant-scoped task per member schema."""
    schemas = member_schema_names()
    for schema_name in schemas:
        enqueue_in_schema(warn_about_expiring_credentials, schema_name)
    return len(schemas)
