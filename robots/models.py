from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from robots.schedules import validate_cron


class Deployment(models.Model):
    """A member's running instance of a catalog robot version (created by an activated order).

    Lives in ``public``: the office operates every member's deployments from one job queue.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        RETIRED = "retired", _("Retired")

    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="deployments"
    )
    robot_version = models.ForeignKey(
        "catalog.RobotVersion",
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="deployments",
    )
    name = models.CharField(_("name"), max_length=200)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    schedule = models.CharField(
        _("schedule (cron)"),
        max_length=100,
        blank=True,
        validators=[validate_cron],
        help_text=_("Europe/Copenhagen time; empty runs only by hand or by trigger."),
    )
    process_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("process owner"),
        on_delete=models.PROTECT,
        related_name="owned_deployments",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.ACTIVE, db_index=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["organisation", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["active", "paused", "retired"]),
                name="deployment_status_known",
            ),
        ]
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")

    def __str__(self):
        return self.name
