from django.db import models
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
