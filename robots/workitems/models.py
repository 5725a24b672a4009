from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkQueue(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    abandon_after_minutes = models.PositiveIntegerField(
        _("abandon items in progress after (minutes)"),
        default=120,
        validators=[MinValueValidator(1)],
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("work queue")
        verbose_name_plural = _("work queues")

    def __str__(self):
        return self.name


class WorkItem(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        BUSINESS_EXCEPTION = "business_exception", _("Business exception")
        APPLICATION_EXCEPTION = "application_exception", _("Application exception")
        ABANDONED = "abandoned", _("Abandoned")

    queue = models.ForeignKey(WorkQueue, on_delete=models.CASCADE, related_name="items")
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.NEW
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["queue", "status"])]
        verbose_name = _("work item")
        verbose_name_plural = _("work items")

    def __str__(self):
        return self.reference or f"#{self.pk}"
