from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScoringWeights(models.Model):
    """How the office weighs an idea (one row, pk=1) and the rates behind the business case.

    The defaults, which ``scoring`` turns into a score from 0 to 100:

    - suitability (is the work fit for a robot?): rule-based 30, digital and structured
      input 25, stable systems 15, few exceptions 15, volume 15 (full marks at 500 hours
      saved a year);
    - readiness (can we start?): legal basis 30, contract allows automation 30, no personal
      data 15, urgency 25;
    - the score is 60 % suitability and 40 % readiness;
    - a saved hour is worth 450 kr. (a caseworker's cost), the office's staff cost 750 kr.
      an hour, and a full-time employee works 1,924 hours a year (37 hours × 52 weeks, the
      Danish full-time norm).
    """

    rule_based = models.PositiveSmallIntegerField(_("rule-based work"), default=30)
    digital_input = models.PositiveSmallIntegerField(_("digital, structured input"), default=25)
    system_stability = models.PositiveSmallIntegerField(_("stable systems"), default=15)
    exception_rate = models.PositiveSmallIntegerField(_("few exceptions"), default=15)
    volume = models.PositiveSmallIntegerField(_("volume"), default=15)
    legal_basis = models.PositiveSmallIntegerField(_("clear legal basis"), default=30)
    contract = models.PositiveSmallIntegerField(_("contract allows automation"), default=30)
    personal_data = models.PositiveSmallIntegerField(_("little personal data"), default=15)
    urgency = models.PositiveSmallIntegerField(_("urgency"), default=25)
    suitability_share = models.PositiveSmallIntegerField(
        _("suitability's share of the score (%)"), default=60, validators=[MaxValueValidator(100)]
    )
    full_volume_hours = models.PositiveIntegerField(
        _("hours saved per year that count as full volume"),
        default=500,
        validators=[MinValueValidator(1)],  # the volume factor divides by it
    )
    hourly_rate = models.DecimalField(
        _("value of a saved hour (DKK)"), max_digits=8, decimal_places=2, default=Decimal("450")
    )
    staff_hourly_rate = models.DecimalField(
        _("office staff hourly rate (DKK)"), max_digits=8, decimal_places=2, default=Decimal("750")
    )
    hours_per_fte = models.DecimalField(
        _("hours per full-time employee per year"),
        max_digits=7,
        decimal_places=1,
        default=Decimal("1924"),
        validators=[MinValueValidator(1)],
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="scoringweights_single_row"),
            models.CheckConstraint(condition=Q(hours_per_fte__gt=0), name="scoringweights_fte"),
            models.CheckConstraint(
                condition=Q(full_volume_hours__gt=0), name="scoringweights_full_volume"
            ),
        ]
        verbose_name = _("scoring weights")
        verbose_name_plural = _("scoring weights")

    def __str__(self):
        return str(_("scoring weights"))


class Idea(models.Model):
    """A member's proposal for a new automation, with the questions the seeds ask."""

    class Status(models.TextChoices):
        IDEA = "idea", _("Idea")
        ASSESSMENT = "assessment", _("Assessment")
        APPROVED = "approved", _("Approved")
        IN_DEVELOPMENT = "in_development", _("In development")
        TEST = "test", _("Test")
        LIVE = "live", _("Live")
        REJECTED = "rejected", _("Rejected")

    class RuleBased(models.TextChoices):
        RULES = "rules", _("Only fixed rules")
        MOSTLY = "mostly", _("Mostly rules")
        MIXED = "mixed", _("Rules and judgement")
        JUDGEMENT = "judgement", _("Mostly judgement")

    class Digital(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")

    class Change(models.TextChoices):
        RARELY = "rarely", _("Rarely")
        YEARLY = "yearly", _("About once a year")
        OFTEN = "often", _("Several times a year")

    class Contract(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        UNKNOWN = "unknown", _("Don't know")

    class Urgency(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="ideas"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    volume_per_month = models.PositiveIntegerField(_("cases per month"))
    minutes_per_case = models.DecimalField(
        _("minutes per case"), max_digits=7, decimal_places=1, validators=[MinValueValidator(0)]
    )
    rule_based = models.CharField(_("how is it decided?"), max_length=20, choices=RuleBased)
    digital_input = models.CharField(
        _("is the input digital and structured?"), max_length=10, choices=Digital
    )
    systems = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("systems involved"),
        default=list,
        blank=True,
    )
    systems_change = models.CharField(
        _("how often do the systems change?"), max_length=10, choices=Change
    )
    exception_rate = models.DecimalField(
        _("share of exceptions (%)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    contract_allows = models.CharField(
        _("does the system contract allow automation?"), max_length=10, choices=Contract
    )
    personal_data = models.BooleanField(_("personal data involved"), default=False)
    personal_data_categories = models.CharField(
        _("categories of personal data"), max_length=300, blank=True
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency)
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.IDEA, db_index=True
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assignee"),
    )
    estimated_build_hours = models.DecimalField(
        _("estimated build hours"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    robot = models.OneToOneField(
        "catalog.Robot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="idea",
        verbose_name=_("catalog robot"),
    )
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="idea_rejection_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(exception_rate__gte=0) & Q(exception_rate__lte=100),
                name="idea_exception_rate_range",
            ),
        ]
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")

    def __str__(self):
        return self.title


class IdeaParticipant(models.Model):
    """Another member sharing the development (billing splits its cost among them)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "organisation"], name="idea_participant_once")
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self):
        return f"{self.organisation} → {self.idea}"


class IdeaComment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return self.text[:50]


class PossibleDuplicate(models.Model):
    """An idea that looked like an earlier idea of another member when it was submitted."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="duplicate_flags")
    similar_to = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="flagged_by")
    similarity = models.DecimalField(_("similarity"), max_digits=4, decimal_places=3)
    flagged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-similarity", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["idea", "similar_to"], name="duplicate_once"),
            models.CheckConstraint(
                condition=~Q(idea=models.F("similar_to")), name="duplicate_not_itself"
            ),
            models.CheckConstraint(
                condition=Q(similarity__gte=0) & Q(similarity__lte=1),
                name="duplicate_similarity_range",
            ),
        ]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")

    def __str__(self):
        return f"{self.idea} ~ {self.similar_to}"
