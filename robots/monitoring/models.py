"""Alerts: conditions the office and the members should act on, in ``public``.

A detector names each condition with a dedupe key (e.g. ``runner_silent:runner:7``). While
the condition persists it updates the one active (open or acknowledged) alert of that key
instead of making a new one; the database refuses a second active alert per key. When the
condition clears the alert is resolved automatically (``resolved_by`` stays empty).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Alert(models.Model):
    class Kind(models.TextChoices):
        FAILED_RUN = "failed_run", _("Failed run")
        MISSED_SCHEDULE = "missed_schedule", _("Missed scheduled run")
        RUNNER_SILENT = "runner_silent", _("Runner without heartbeat")
        QUEUE_SLA = "queue_sla", _("Queue past its SLA")
        DEADLINE_AT_RISK = "deadline_at_risk", _("Deadlines at risk")
        CREDENTIAL_EXPIRING = "credential_expiring", _("Credential expiring")
        TASK_FAILED = "task_failed", _("Periodic task failed on a row")

    class Severity(models.TextChoices):
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    class Subject(models.TextChoices):
        DEPLOYMENT = "deployment", _("Deployment")
        JOB = "job", _("Run")
        RUNNER = "runner", _("Runner")
        QUEUE = "queue", _("Work queue")
        CREDENTIAL = "credential", _("Credential")
        UPLOAD = "upload", _("Upload")
        TASK = "task", _("Periodic task")

    ACTIVE = (State.OPEN, State.ACKNOWLEDGED)

    organisation = models.ForeignKey(
        "tenants.Organisation",
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        help_text=_("The member the alert concerns; empty for the office's own (e.g. runners)."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity, default=Severity.WARNING
    )
    dedupe_key = models.CharField(max_length=200)
    # What the alert is about: a row in public or in the member's schema (no foreign key).
    subject_type = models.CharField(_("subject"), max_length=20, choices=Subject)
    subject_id = models.BigIntegerField()
    subject_label = models.CharField(max_length=200)
    # An English text marked with gettext_noop, rendered with params in the reader's language.
    message = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    # Which occurrence was last counted (a job id, a missed firing): repeated passes of a
    # detector over the same occurrence do not count it again.
    last_occurrence = models.CharField(max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.OPEN)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    count = models.PositiveIntegerField(_("occurrences"), default=1)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who is on it: someone who may handle the alert on the site where it was assigned.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the condition cleared by itself."),
    )

    class Meta:
        ordering = ["-last_seen", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(state__in=["open", "acknowledged"]),
                name="alert_one_active_per_key",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "acknowledged", "resolved"]),
                name="alert_state_known",
            ),
            models.CheckConstraint(
                condition=~Q(state="resolved") | Q(resolved_at__isnull=False),
                name="alert_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="acknowledged") | Q(acknowledged_at__isnull=False),
                name="alert_acknowledged_has_time",
            ),
            models.CheckConstraint(condition=Q(count__gte=1), name="alert_count_positive"),
        ]
        indexes = [
            models.Index(fields=["state", "kind"], name="alert_state_kind"),
            models.Index(fields=["organisation", "state"], name="alert_member_state"),
        ]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject_label}"

    @property
    def text(self) -> str:
        return gettext(self.message) % self.params

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE

    def subject_path(self, *, on_office: bool) -> str:
        """Where the subject is shown on the office console or on the member's site ("" when
        that site does not show it)."""
        if self.subject_type == self.Subject.JOB:
            return f"/jobs/{self.subject_id}/"
        if self.subject_type == self.Subject.DEPLOYMENT:
            return "/deployments/"
        if self.subject_type == self.Subject.RUNNER:
            return "/runners/" if on_office else ""
        if self.subject_type == self.Subject.QUEUE:
            return "" if on_office else f"/queues/{self.subject_id}/"
        if self.subject_type == self.Subject.CREDENTIAL:
            return "" if on_office else f"/credentials/{self.subject_id}/"
        if self.subject_type == self.Subject.UPLOAD:
            return "" if on_office else f"/queues/uploads/{self.subject_id}/"
        return ""
