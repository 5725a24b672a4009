"""Value and cost insight: the rates behind the value and the monthly rollups it is read from.

Everything lives in ``public``: the rollups hold counts and sums only (no personal data), so
the office compares members side by side without reading any member's schema per page view.
The rollups are written by ``insight.services.refresh_rollups`` (Celery beat), never by a page.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MemberValueRate(models.Model):
    """What one saved hour is worth to a member (DKK). Without a row the setting
    ``INSIGHT_HOURLY_RATE`` applies."""

    organisation = models.OneToOneField(
        "tenants.Organisation", on_delete=models.CASCADE, related_name="value_rate"
    )
    hourly_rate = models.DecimalField(
        _("value of a saved hour (DKK)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="valuerate_nonnegative")
        ]
        verbose_name = _("value of a saved hour")
        verbose_name_plural = _("values of a saved hour")

    def __str__(self):
        return f"{self.organisation}: {self.hourly_rate}"


class DeploymentEstimate(models.Model):
    """A deployment's own minutes saved per work item, overriding the catalog robot's."""

    deployment = models.OneToOneField(
        "robots.Deployment", on_delete=models.CASCADE, related_name="value_estimate"
    )
    minutes_saved_per_item = models.DecimalField(
        _("minutes saved per work item"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes_saved_per_item__gte=0), name="estimate_nonnegative"
            )
        ]
        verbose_name = _("minutes saved per work item")
        verbose_name_plural = _("minutes saved per work item")

    def __str__(self):
        return f"{self.deployment}: {self.minutes_saved_per_item}"


class MinutesBasis(models.TextChoices):
    DEPLOYMENT = "deployment", _("the deployment's own estimate")
    CATALOG = "catalog", _("the catalog robot's estimate")
    MISSING = "missing", _("no estimate")


class MonthlyValue(models.Model):
    """One deployment's month (Danish time): what its robot did and what it cost directly.

    ``minutes_per_item`` and ``minutes_basis`` are the estimate the month was valued with when
    it was last refreshed; ``cost_ore`` is the invoice lines (or, in an open month, the draft
    lines) that name the deployment: robot minutes, work items and its monthly fee.
    """

    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    deployment = models.ForeignKey("robots.Deployment", on_delete=models.CASCADE, related_name="+")
    robot = models.ForeignKey("catalog.Robot", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    items_done = models.PositiveIntegerField(_("work items completed"), default=0)
    items_handed_back = models.PositiveIntegerField(_("handed back for manual handling"), default=0)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    runs_succeeded = models.PositiveIntegerField(_("succeeded runs"), default=0)
    runtime_seconds = models.BigIntegerField(_("runtime (seconds)"), default=0)
    minutes_per_item = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    minutes_basis = models.CharField(max_length=20, choices=MinutesBasis.choices)
    cost_ore = models.BigIntegerField(_("direct cost (øre)"), default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["month", "organisation", "deployment"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "deployment", "month"], name="monthlyvalue_once"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="monthlyvalue_first_day"),
        ]
        indexes = [models.Index(fields=["month", "organisation"], name="monthlyvalue_month")]

    def __str__(self):
        return f"{self.deployment_id} {self.month:%Y-%m}"


class CostBasis(models.TextChoices):
    INVOICE = "invoice", _("closed invoices")
    DRAFT = "draft", _("draft invoice (preliminary)")
    LEDGER = "ledger", _("usage booked so far (preliminary)")


class MonthlyCost(models.Model):
    """One member's bill for a month, by kind (øre). Closed months come from the numbered
    invoices less credit notes; open months are preliminary (``preliminary``)."""

    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.CASCADE, related_name="monthly_costs"
    )
    month = models.DateField(_("month"))
    usage_ore = models.BigIntegerField(_("robot usage and work items"), default=0)
    staff_ore = models.BigIntegerField(_("staff hours"), default=0)
    fee_ore = models.BigIntegerField(_("deployment fees"), default=0)
    pool_ore = models.BigIntegerField(_("shares of cost pools"), default=0)
    adjustment_ore = models.BigIntegerField(_("adjustments and credit notes"), default=0)
    vat_ore = models.BigIntegerField(_("VAT"), default=0)
    total_ore = models.BigIntegerField(_("total"), default=0)
    preliminary = models.BooleanField(default=True)
    basis = models.CharField(max_length=20, choices=CostBasis.choices)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["month", "organisation"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month"], name="monthlycost_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthlycost_first_day"),
        ]
        indexes = [models.Index(fields=["month", "organisation"], name="monthlycost_month")]

    def __str__(self):
        return f"{self.organisation_id} {self.month:%Y-%m}"
