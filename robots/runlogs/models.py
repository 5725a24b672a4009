from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobLogLine(models.Model):
    """One line a robot wrote (stdout/stderr), as the runner streamed it, already redacted."""

    class Stream(models.TextChoices):
        STDOUT = "stdout", "stdout"
        STDERR = "stderr", "stderr"
        SYSTEM = "system", _("runner")

    # Lines live in the member's schema, the job in public: no database constraint across
    # schemas (it would tie every member schema to public's job table).
    job = models.ForeignKey(
        "robots.Job", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    stream = models.CharField(max_length=10, choices=Stream, default=Stream.STDOUT)
    text = models.TextField()

    class Meta:
        ordering = ["job", "number"]
        constraints = [
            # A line the runner sends twice (a retried request) is stored once.
            models.UniqueConstraint(fields=["job", "number"], name="joblogline_once")
        ]
        verbose_name = _("log line")
        verbose_name_plural = _("log lines")

    def __str__(self):
        return self.text[:80]


def artifact_path(instance, filename: str) -> str:
    """Where an artifact's file lives in MEDIA: under the member's schema and the job."""
    return f"artifacts/{connection.schema_name}/job-{instance.job_id}/{filename}"


class JobArtifact(models.Model):
    """A file the robot wrote to its output folder (``RK_OUTPUT_DIR``, robocorp's
    ``log.html``), uploaded by the runner at the end of the run; in the member's schema,
    its file in MEDIA under ``artifacts/<member schema>/``."""

    job = models.ForeignKey(
        "robots.Job", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # The path inside the output folder, with forward slashes (e.g. ``log.html``).
    name = models.CharField(_("name"), max_length=255)
    file = models.FileField(upload_to=artifact_path, max_length=500)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["job", "name"]
        constraints = [
            # Uploaded again (a retried request), an artifact replaces the earlier copy.
            models.UniqueConstraint(fields=["job", "name"], name="jobartifact_once")
        ]
        verbose_name = _("artifact")
        verbose_name_plural = _("artifacts")

    def __str__(self):
        return self.name
