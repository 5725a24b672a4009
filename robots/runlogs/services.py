"""The only writer of job log lines."""

from django.db import transaction
from django_tenants.utils import schema_context

from robots.credentials import redaction
from robots.credentials import services as credentials
from robots.models import Job
from robots.runlogs.models import JobLogLine


def append_lines(job: Job, lines: list[dict]) -> None:
    """Append a job's log lines (``number``, ``stream``, ``text``; numbered by the runner, a
    line sent twice is stored once) in the member's schema. The job's credentials are masked
    in every line, whatever the runner sent."""
    for secret in credentials.secret_values_for_redaction(deployment=job.deployment):
        redaction.register_secret(secret)
    lines = [line | {"text": redaction.redact(line["text"])} for line in lines]
    with schema_context(job.organisation.schema_name), transaction.atomic():
        JobLogLine.objects.bulk_create(
            [JobLogLine(job_id=job.pk, **line) for line in lines],
            ignore_conflicts=True,
        )
