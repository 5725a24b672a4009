"""The audit trail's table.

The model keeps the app label it was created under, ``catalog``: its table stays
``catalog_auditevent`` and its migrations stay in ``catalog/migrations`` (0001 creates the
table and its append-only trigger), so moving the code here renamed and migrated nothing.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who changed what and when: the catalog, orders, ideas, governance, deployments,
    credentials, runners, organisations.

    Append-only: a database trigger refuses UPDATE and DELETE (catalog migration 0001), so
    the people and organisations it names are protected from deletion (deactivate them).
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        settings.TENANT_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The member the change concerns, if any."),
    )
    action = models.CharField(_("action"), max_length=100)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        app_label = "catalog"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_repr}"


class AccessibilityStatement(models.Model):
    """The platform's accessibility statement (webtilgængelighedsloven), in the structure of
    the statements on was.digst.dk: compliance status, what is not accessible, how to give
    feedback, the enforcement procedure and when it was prepared. One row, edited by the
    office's administrators and shown on every site without signing in."""

    class Compliance(models.TextChoices):
        FULL = "full", _("The site is fully compliant with the requirements")
        PARTIAL = "partial", _("The site is partially compliant with the requirements")
        NONE = "none", _("The site is not compliant with the requirements")

    compliance = models.CharField(
        _("compliance status"),
        max_length=10,
        choices=Compliance.choices,
        default=Compliance.PARTIAL,
    )
    non_accessible_content = models.TextField(
        _("non-accessible content"),
        blank=True,
        help_text=_("What is not accessible, why, and which accessible alternatives there are."),
    )
    feedback_email = models.EmailField(
        _("feedback e-mail"),
        blank=True,
        help_text=_("Where users report accessibility problems. Empty: the office's e-mail."),
    )
    feedback_phone = models.CharField(_("feedback phone"), max_length=30, blank=True)
    assessment = models.TextField(
        _("how the site was assessed"),
        blank=True,
        help_text=_("For example: a self-assessment with automated tests and manual checks."),
    )
    prepared_on = models.DateField(_("statement prepared on"))
    reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("accessibility statement")

    def __str__(self) -> str:
        return str(_("Accessibility statement"))
