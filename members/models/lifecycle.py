"""Joining and leaving the partnership.

A member's dates (joined, left) live in billing's ``MemberTerm``: it is the single source of
truth for pro-rata and for when leaving takes effect. Here are what the office keeps beside
them: the signed data-processing agreement, the record of a member's leaving (reason and
decision) with how far its transitions have run, and the office's own processors.
"""

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["DataProcessingAgreement", "Departure", "Processor"]


def agreement_path(instance, filename: str) -> str:
    return f"members/{instance.organisation.schema_name}/agreements/{filename}"


class DataProcessingAgreement(models.Model):
    """A data-processing agreement (databehandleraftale) signed by a member: the member is
    the controller, the office its processor. The newest signed one is in force."""

    organisation = models.ForeignKey(
        "tenants.Organisation",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="processing_agreements",
    )
    version = models.CharField(_("version"), max_length=50)
    signed_on = models.DateField(_("signed on"))
    document = models.FileField(
        _("signed document"),
        upload_to=agreement_path,
        max_length=500,
        validators=[FileExtensionValidator(["pdf"])],
        help_text=_("The signed agreement as a PDF."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "-signed_on", "-pk"]
        verbose_name = _("data-processing agreement")
        verbose_name_plural = _("data-processing agreements")

    def __str__(self):
        return f"{self.organisation} {self.version} ({self.signed_on})"


class Departure(models.Model):
    """Why and by which decision a member leaves. The leave date itself is the member's
    ``MemberTerm.left_on`` (its last day); the stamps say how far leaving has run."""

    organisation = models.OneToOneField(
        "tenants.Organisation",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="departure",
    )
    reason = models.CharField(_("reason"), max_length=500)
    decision_reference = models.CharField(
        _("decision reference"),
        max_length=200,
        help_text=_("Where the decision is recorded, e.g. the board meeting and item number."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # On the leave date: deployments paused, queued jobs cancelled.
    paused_at = models.DateTimeField(null=True, blank=True)
    # The day after: deployments retired, the member's site closed to its users.
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("departure")
        verbose_name_plural = _("departures")

    def __str__(self):
        return f"{self.organisation}: {self.reason[:50]}"


class Processor(models.Model):
    """A (sub-)processor the office uses for its members' data, listed in the register."""

    name = models.CharField(_("name"), max_length=200)
    service = models.CharField(
        _("service"), max_length=300, help_text=_("What the processor does for the office.")
    )
    location = models.CharField(
        _("where the data is processed"), max_length=200, help_text=_("E.g. Denmark, EU/EEA.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("processor")
        verbose_name_plural = _("processors")

    def __str__(self):
        return self.name
