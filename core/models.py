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
