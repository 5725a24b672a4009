from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from robots.schedules import validate_cron


class Order(models.Model):
    """A member's order of a catalog robot, from the member's request to its deployment.

    submitted → approved (by the member's process owner or admin) → accepted (by the office)
    → testing → active (the deployment exists); paused and resumed on the way, or cancelled
    with a reason.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting internal approval")
        APPROVED = "approved", _("Approved by the member")
        ACCEPTED = "accepted", _("Accepted by the office")
        TESTING = "testing", _("In test")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")

    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="orders"
    )
    robot = models.ForeignKey(
        "catalog.Robot", verbose_name=_("robot"), on_delete=models.PROTECT, related_name="orders"
    )
    robot_version = models.ForeignKey(
        "catalog.RobotVersion",
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    proposed_schedule = models.CharField(
        _("proposed schedule (cron)"),
        max_length=100,
        blank=True,
        validators=[validate_cron],
        help_text=_("E.g. “0 6 * * 1-5” for 06:00 on weekdays (Danish time)."),
    )
    process_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("process owner"),
        on_delete=models.PROTECT,
        related_name="owned_orders",
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ordered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("what should the robot do for you?"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.SUBMITTED, db_index=True
    )
    paused_from = models.CharField(max_length=20, choices=Status, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    deployment = models.OneToOneField(
        "robots.Deployment",
        verbose_name=_("deployment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order",
    )
    created_at = models.DateTimeField(_("ordered"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # An order is only active through its deployment (activation creates it).
            models.CheckConstraint(
                condition=~Q(status="active") | Q(deployment__isnull=False),
                name="order_active_has_deployment",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="order_cancel_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(
                    status="paused",
                    paused_from__in=["submitted", "approved", "accepted", "testing", "active"],
                )
                | (~Q(status="paused") & Q(paused_from="")),
                name="order_paused_remembers_status",
            ),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self):
        return f"{self.robot} · {self.organisation}"


class OrderComment(models.Model):
    """The conversation between the member and the office about an order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_office = models.BooleanField(default=False)
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return self.text[:50]
