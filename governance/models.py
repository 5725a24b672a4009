from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContractStatus(models.TextChoices):
    """Whether a system's contract allows a robot to use it."""

    YES = "yes", _("Allows automation")
    NO = "no", _("Does not allow automation")
    UNKNOWN = "unknown", _("Not clarified")


SYSTEM_NAME_MAX_LENGTH = 100
SYSTEMS_MAX = 30


def validate_systems(value) -> None:
    """A list of ``{"system": name, "contract_allows": "yes" | "no" | "unknown"}``."""
    if not isinstance(value, list):
        raise ValidationError(
            _("List the systems, each with a name and its contract status."), code="invalid"
        )
    if len(value) > SYSTEMS_MAX:
        raise ValidationError(
            _("List at most %(max)d systems.") % {"max": SYSTEMS_MAX}, code="too_many"
        )
    names = set()
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict) or set(entry) != {"system", "contract_allows"}:
            raise ValidationError(
                _(
                    'System %(number)d: give exactly "system" (the name) and '
                    '"contract_allows" (yes, no or unknown).'
                )
                % {"number": number},
                code="invalid",
            )
        name = entry["system"]
        if not isinstance(name, str) or not name.strip() or len(name) > SYSTEM_NAME_MAX_LENGTH:
            raise ValidationError(
                _("System %(number)d: the name must be 1-%(max)d characters.")
                % {"number": number, "max": SYSTEM_NAME_MAX_LENGTH},
                code="invalid",
            )
        if entry["contract_allows"] not in ContractStatus.values:
            raise ValidationError(
                _(
                    "System %(number)d (%(name)s): the contract status must be "
                    "yes, no or unknown, not “%(value)s”."
                )
                % {"number": number, "name": name, "value": entry["contract_allows"]},
                code="invalid_choice",
            )
        if name.strip().casefold() in names:
            raise ValidationError(_("%(name)s is listed twice.") % {"name": name}, code="duplicate")
        names.add(name.strip().casefold())


class GovernanceRecord(models.Model):
    """The legal responsibility for one automated process: a deployment or a live idea.

    The member (``organisation``) is the data controller; its process owner answers for
    the legal basis, which must be reviewed by ``review_due`` (law maintenance).
    """

    organisation = models.ForeignKey(
        "tenants.Organisation",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="governance_records",
    )
    deployment = models.OneToOneField(
        "robots.Deployment",
        verbose_name=_("deployment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="governance",
    )
    idea = models.OneToOneField(
        "intake.Idea",
        verbose_name=_("idea"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="governance",
    )
    process_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("process owner"),
        on_delete=models.PROTECT,
        related_name="governance_records",
    )
    legal_basis = models.TextField(
        _("legal basis"),
        blank=True,
        help_text=_("The law or rule that allows the process to be automated."),
    )
    review_due = models.DateField(
        _("review due"),
        db_index=True,
        help_text=_("When the legal basis must be reviewed against the law in force."),
    )
    last_reviewed_at = models.DateField(_("last reviewed"), null=True, blank=True)
    systems = models.JSONField(
        _("systems"),
        default=list,
        blank=True,
        validators=[validate_systems],
        help_text=_("The systems the robot uses and whether their contracts allow automation."),
    )
    personal_data_categories = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("categories of personal data"),
        default=list,
        blank=True,
    )
    dpia_needed = models.BooleanField(_("DPIA needed"), default=False)
    dpia_done = models.BooleanField(_("DPIA done"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["review_due", "pk"]
        constraints = [
            # A record is about exactly one process: a deployment or a live idea.
            models.CheckConstraint(
                condition=Q(deployment__isnull=False, idea__isnull=True)
                | Q(deployment__isnull=True, idea__isnull=False),
                name="governance_one_subject",
            ),
            models.CheckConstraint(
                condition=models.lookups.Exact(
                    models.Func(
                        F("systems"), function="jsonb_typeof", output_field=models.CharField()
                    ),
                    "array",
                ),
                name="governance_systems_is_list",
            ),
        ]
        verbose_name = _("governance record")
        verbose_name_plural = _("governance records")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The process the record is about: the deployment's name or the idea's title."""
        if self.deployment_id is not None:
            return self.deployment.name
        return self.idea.title

    @property
    def is_overdue(self) -> bool:
        return self.review_due < timezone.localdate()

    @property
    def contract_status(self) -> str:
        """The weakest contract status of the systems ("" when none are listed)."""
        statuses = {entry.get("contract_allows") for entry in self.systems}
        for status in (ContractStatus.NO, ContractStatus.UNKNOWN, ContractStatus.YES):
            if status in statuses:
                return status
        return ""

    @property
    def contract_status_label(self) -> str:
        status = self.contract_status
        return ContractStatus(status).label if status else ""

    def clean(self):
        if (self.deployment_id is None) == (self.idea_id is None):
            raise ValidationError(_("A governance record is about one deployment or one idea."))
