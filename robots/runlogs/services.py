"""The only writer of job log lines and artifacts (and where they are read)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from robots.credentials import redaction
from robots.credentials import services as credentials
from robots.models import Job
from robots.runlogs.models import JobArtifact, JobLogLine


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


def check_artifact_name(name: str) -> str:
    """A path inside the output folder: 1 to 255 characters, forward slashes, no ``..``."""
    name = (name or "").strip().replace("\\", "/")
    parts = name.split("/")
    if (
        not name
        or len(name) > 255
        or name.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ValidationError(
            _("An artifact's name must be a path of 1 to 255 characters inside the output folder.")
        )
    return name


def store_artifact(job: Job, *, name: str, upload) -> JobArtifact:
    """Keep a file of the job's output folder as its artifact, in the member's schema and
    under ``artifacts/<member schema>/`` in MEDIA; a file of the same name is replaced.

    Refused (ValidationError) over ROBOTS_ARTIFACT_MAX_BYTES, or when the run would keep more
    than ROBOTS_ARTIFACTS_MAX_FILES files or ROBOTS_ARTIFACTS_MAX_BYTES in all."""
    name = check_artifact_name(name)
    limit = settings.ROBOTS_ARTIFACT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The artifact %(name)s is %(size)s; an artifact may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    with schema_context(job.organisation.schema_name), transaction.atomic():
        kept = JobArtifact.objects.select_for_update().filter(job_id=job.pk)
        others = [artifact for artifact in kept if artifact.name != name]
        if len(others) >= settings.ROBOTS_ARTIFACTS_MAX_FILES:
            raise ValidationError(
                _("A run keeps at most %(count)s artifacts.")
                % {"count": settings.ROBOTS_ARTIFACTS_MAX_FILES}
            )
        total = sum(artifact.size for artifact in others) + upload.size
        if total > settings.ROBOTS_ARTIFACTS_MAX_BYTES:
            raise ValidationError(
                _("A run's artifacts may be at most %(limit)s in all.")
                % {"limit": filesizeformat(settings.ROBOTS_ARTIFACTS_MAX_BYTES)}
            )
        for old in kept:
            if old.name == name:
                old.file.delete(save=False)
                old.delete()
        artifact = JobArtifact(job_id=job.pk, name=name, size=upload.size)
        artifact.file.save(name, upload, save=False)
        artifact.save()
    return artifact


def artifacts_of(job: Job) -> list[JobArtifact]:
    with schema_context(job.organisation.schema_name):
        return list(JobArtifact.objects.filter(job_id=job.pk).order_by("name"))


def artifact_of(job: Job, pk) -> JobArtifact:
    with schema_context(job.organisation.schema_name):
        artifact = JobArtifact.objects.filter(job_id=job.pk, pk=pk).first()
    if artifact is None:
        raise Http404
    return artifact
