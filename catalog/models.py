from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.validators import check_json_schema
from tenants.models import Organisation

# --- The catalog -----------------------------------------------------------------------------

SEMVER_PATTERN = (
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?"
    r"(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$"
)
GIT_COMMIT_PATTERN = r"^[0-9a-f]{40}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
ROBOT_SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,78}[a-z0-9]$"
# Path segments of the catalog pages that a robot's slug must not shadow.
RESERVED_SLUGS = frozenset({"new"})

validate_semver = RegexValidator(
    SEMVER_PATTERN,
    _("Use a semantic version such as 1.4.0 or 2.0.0-rc.1 (see semver.org)."),
)
validate_git_commit = RegexValidator(
    GIT_COMMIT_PATTERN, _("A commit is the full 40-character hexadecimal SHA-1 (lowercase).")
)
validate_sha256 = RegexValidator(
    SHA256_PATTERN, _("A SHA-256 checksum is 64 lowercase hexadecimal characters.")
)
validate_robot_slug = RegexValidator(
    ROBOT_SLUG_PATTERN, _("Use 2-80 lowercase letters, digits and hyphens.")
)


def validate_not_reserved(value):
    if value in RESERVED_SLUGS:
        raise ValidationError(_("This slug is reserved; choose another."))


def validate_json_schema(value):
    """The parameters of a robot are described by a JSON Schema (draft 2020-12)."""
    check_json_schema(value, not_an_object=_("The parameter schema must be a JSON object."))


def default_parameters_schema():
    return {"type": "object", "properties": {}}


def localised(obj, field: str) -> str:
    """The text in the active language, falling back to Danish."""
    language = (get_language() or "da")[:2]
    if language != "da":
        text = getattr(obj, f"{field}_{language}", "")
        if text:
            return text
    return getattr(obj, f"{field}_da")


MEMBER_KINDS = [
    Organisation.Kind.MUNICIPALITY,
    Organisation.Kind.HOUSING,
    Organisation.Kind.OTHER,
]


class Robot(models.Model):
    """A reusable robot in the shared catalog: built once by the office, ordered by members."""

    class Kind(models.TextChoices):
        RPA = "rpa", _("RPA robot")
        ML_MODEL = "ml_model", _("Machine-learning model")
        BOT = "bot", _("Bot")

    class Category(models.TextChoices):
        RENTAL = "rental", _("Rental")
        FINANCE = "finance", _("Finance")
        TENANCY = "tenancy", _("Tenant services")
        HR = "hr", _("HR")
        SOCIAL = "social", _("Citizen services")
        OTHER = "other", _("Other")

    class Maturity(models.TextChoices):
        IDEA = "idea", _("Idea")
        PILOT = "pilot", _("Pilot")
        PROVEN = "proven", _("Proven")
        MATURE = "mature", _("Mature")

    slug = models.CharField(
        _("slug"),
        max_length=80,
        unique=True,
        validators=[validate_robot_slug, validate_not_reserved],
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_da = models.CharField(_("name (Danish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    summary_da = models.CharField(_("summary (Danish)"), max_length=500)
    summary_en = models.CharField(_("summary (English)"), max_length=500, blank=True)
    description_da = models.TextField(_("description (Danish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    systems = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("systems"),
        default=list,
        blank=True,
        help_text=_("The systems the robot works in, e.g. EG Bolig, KMD, SAP, e-Boks."),
    )
    member_kinds = ArrayField(
        models.CharField(max_length=20, choices=[(k.value, k.label) for k in MEMBER_KINDS]),
        verbose_name=_("suitable for"),
        default=list,
        blank=True,
        help_text=_("The kinds of member organisation the robot suits."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner in the office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_robots",
    )
    maturity = models.CharField(
        _("maturity"), max_length=20, choices=Maturity.choices, default=Maturity.IDEA
    )
    estimated_minutes_saved = models.DecimalField(
        _("estimated minutes saved per work item"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    process_design_document = models.FileField(
        _("process design document"), upload_to="catalog/documents/%Y/", blank=True
    )
    credential_types = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("credential types needed"),
        default=list,
        blank=True,
        help_text=_("E.g. function certificate, EG Bolig login."),
    )
    parameters_schema = models.JSONField(
        _("parameters (JSON Schema)"),
        default=default_parameters_schema,
        blank=True,
        validators=[validate_json_schema],
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["name_da"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slug__regex=ROBOT_SLUG_PATTERN), name="robot_slug_format"
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_minutes_saved__isnull=True)
                | models.Q(estimated_minutes_saved__gte=0),
                name="robot_minutes_saved_nonnegative",
            ),
            models.CheckConstraint(
                condition=models.Q(member_kinds__contained_by=[k.value for k in MEMBER_KINDS]),
                name="robot_member_kinds_known",
            ),
        ]
        indexes = [
            # Filtering by system / member kind uses the array containment operator (@>).
            GinIndex(fields=["systems"], name="robot_systems_gin"),
            GinIndex(fields=["member_kinds"], name="robot_member_kinds_gin"),
        ]
        verbose_name = _("robot")
        verbose_name_plural = _("robots")

    def __str__(self):
        return self.name_da

    @property
    def name(self) -> str:
        return localised(self, "name")

    @property
    def summary(self) -> str:
        return localised(self, "summary")

    @property
    def description(self) -> str:
        return localised(self, "description")

    def get_member_kinds_display(self) -> list[str]:
        labels = dict(Organisation.Kind.choices)
        return [labels.get(kind, kind) for kind in self.member_kinds]


class RobotAttachment(models.Model):
    """Further documentation of a robot: user guides, diagrams, test reports."""

    robot = models.ForeignKey(Robot, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="catalog/attachments/%Y/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.title


class RobotVersion(models.Model):
    """One released build of a robot. Moves draft → test → approved → production → retired."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        TEST = "test", _("In test")
        APPROVED = "approved", _("Approved")
        PRODUCTION = "production", _("In production")
        RETIRED = "retired", _("Retired")

    robot = models.ForeignKey(Robot, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(_("version"), max_length=100, validators=[validate_semver])
    git_repository = models.URLField(_("git repository"), max_length=500, blank=True)
    git_commit = models.CharField(
        _("git commit"), max_length=40, blank=True, validators=[validate_git_commit]
    )
    archive = models.FileField(_("package archive"), upload_to="catalog/packages/%Y/", blank=True)
    archive_sha256 = models.CharField(
        _("archive SHA-256"), max_length=64, blank=True, validators=[validate_sha256]
    )
    changelog = models.TextField(_("changelog"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="authored_robot_versions",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    test_passed_at = models.DateTimeField(_("test passed"), null=True, blank=True)
    test_passed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_at = models.DateTimeField(_("in production since"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        ordering = ["robot", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["robot", "version"], name="robotversion_unique"),
            models.CheckConstraint(
                condition=models.Q(version__regex=SEMVER_PATTERN), name="robotversion_semver"
            ),
            # A package is either a git commit or an uploaded archive with its checksum.
            models.CheckConstraint(
                condition=(
                    ~models.Q(git_repository="")
                    & models.Q(git_commit__regex=GIT_COMMIT_PATTERN)
                    & models.Q(archive="", archive_sha256="")
                )
                | (
                    ~models.Q(archive="")
                    & models.Q(archive_sha256__regex=SHA256_PATTERN)
                    & models.Q(git_repository="", git_commit="")
                ),
                name="robotversion_one_package",
            ),
            # Four eyes: nobody approves their own version.
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | ~models.Q(approved_by=F("author")),
                name="robotversion_four_eyes",
            ),
            # Approved and production versions have passed their test stage and been approved.
            models.CheckConstraint(
                condition=~models.Q(status__in=["approved", "production"])
                | models.Q(
                    test_passed_at__isnull=False,
                    approved_by__isnull=False,
                    approved_at__isnull=False,
                ),
                name="robotversion_approved_after_test",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="production") | models.Q(released_at__isnull=False),
                name="robotversion_production_has_release_time",
            ),
        ]
        indexes = [models.Index(fields=["robot", "status"], name="robotversion_robot_status")]
        verbose_name = _("robot version")
        verbose_name_plural = _("robot versions")

    def __str__(self):
        return f"{self.robot} {self.version}"

    @property
    def package_reference(self) -> str:
        return package_reference(self.git_repository, self.git_commit, self.archive_sha256)


def package_reference(git_repository: str, git_commit: str, archive_sha256: str) -> str:
    """How a robot version's package is named: its git commit, else its archive's digest."""
    if git_commit:
        return f"{git_repository}@{git_commit}"
    return f"sha256:{archive_sha256}"
