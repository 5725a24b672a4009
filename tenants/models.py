import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from tenants.validators import (
    validate_bank_account_no,
    validate_bank_reg_no,
    validate_cvr,
    validate_gln,
    validate_iban,
)

slug_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,40}[a-z0-9]$",
    _("Use 3-42 lowercase letters, digits and hyphens, starting with a letter."),
)


class Organisation(TenantMixin):
    """A member of the partnership (or the office itself, which owns the public schema)."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        HOUSING = "housing", _("Housing organisation")
        OFFICE = "office", _("Shared office")
        OTHER = "other", _("Other")

    class VatStatus(models.TextChoices):
        STANDARD = "standard", _("25 % VAT")
        EXEMPT = "exempt", _("Outside VAT (joint institution)")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=42, unique=True, validators=[slug_validator])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    cvr = models.CharField(_("CVR number"), max_length=8, validators=[validate_cvr])
    ean = models.CharField(
        _("EAN/GLN location number"), max_length=13, blank=True, validators=[validate_gln]
    )
    buyer_reference = models.CharField(
        _("buyer reference"),
        max_length=100,
        blank=True,
        help_text=_(
            "The member's own reference for its invoices (a person, department or "
            "requisition number). Blank: the EAN number, or else the invoice number."
        ),
    )
    street = models.CharField(_("street address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    vat_status = models.CharField(
        _("VAT status"), max_length=20, choices=VatStatus.choices, default=VatStatus.STANDARD
    )
    # The office's bank account, shown on invoices and in the e-invoices' payment means.
    bank_reg_no = models.CharField(
        _("bank registration number"),
        max_length=4,
        blank=True,
        validators=[validate_bank_reg_no],
    )
    bank_account_no = models.CharField(
        _("bank account number"),
        max_length=10,
        blank=True,
        validators=[validate_bank_account_no],
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    is_active = models.BooleanField(_("active"), default=True)
    max_concurrent_jobs = models.PositiveSmallIntegerField(
        _("robot jobs at once"),
        default=4,
        validators=[MinValueValidator(1)],
        help_text=_("How many of the member's jobs the runners may run at the same time."),
    )
    # When a runner last took one of the member's jobs: claims go round the members by it.
    jobs_last_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    # Schemas are created by tenants.services.provision_organisation, inside its transaction.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    @property
    def is_office(self) -> bool:
        return self.kind == self.Kind.OFFICE

    def clean(self):
        super().clean()
        if bool(self.bank_reg_no) != bool(self.bank_account_no):
            raise ValidationError(
                {
                    "bank_account_no" if self.bank_reg_no else "bank_reg_no": gettext(
                        "A Danish bank account needs both the registration number and "
                        "the account number."
                    )
                }
            )


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class KeyFigure(models.Model):
    """A dated figure about an organisation, read as of a date by the distribution keys."""

    class Kind(models.TextChoices):
        POPULATION = "population", _("Population")
        HOUSING_UNITS = "housing_units", _("Housing units")
        EMPLOYEES = "employees", _("Employees")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="key_figures"
    )
    kind = models.CharField(_("key figure"), max_length=30, choices=Kind.choices)
    value = models.DecimalField(
        _("value"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    valid_from = models.DateField(_("valid from"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["organisation", "kind", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "valid_from"], name="keyfigure_unique_per_date"
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="keyfigure_nonnegative"),
        ]
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")

    def __str__(self):
        return f"{self.organisation} {self.get_kind_display()} {self.valid_from}: {self.value}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Global (public schema); what they may do comes from their memberships."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Role(models.TextChoices):
    MEMBER = "member", _("Staff")
    PROCESS_OWNER = "process_owner", _("Process owner")
    MEMBER_ADMIN = "member_admin", _("Member administrator")
    OFFICE_OPERATOR = "office_operator", _("Office operator")
    OFFICE_DEVELOPER = "office_developer", _("Office developer")
    OFFICE_ADMIN = "office_admin", _("Office administrator")
    FINANCE = "finance", _("Finance")


OFFICE_ROLES = frozenset(
    {Role.OFFICE_OPERATOR, Role.OFFICE_DEVELOPER, Role.OFFICE_ADMIN, Role.FINANCE}
)
MEMBER_ROLES = frozenset({Role.MEMBER, Role.PROCESS_OWNER, Role.MEMBER_ADMIN, Role.FINANCE})
# Who may own a member's automated process (and so approve its orders and answer for its
# governance record): the member's process owners and administrators.
PROCESS_OWNER_ROLES = (Role.PROCESS_OWNER, Role.MEMBER_ADMIN)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")
        ]
        ordering = ["organisation__name", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Invitation(models.Model):
    """An invitation to join an organisation with a role; only the token's hash is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.email} → {self.organisation}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class ApiToken(models.Model):
    """A personal API token, acting as its user within one organisation. Stored hashed."""

    PREFIX = "rk_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def generate_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class Notification(models.Model):
    """A message to one person about something that changed, shown in-app (and e-mailed).

    ``message`` is an English source text marked for translation, rendered with ``params``
    in the reader's language when shown, so one notification reads right in both languages.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The site the notification is shown on and its link points into."),
    )
    message = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "organisation", "-created_at"], name="notification_inbox"
            )
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        return gettext(self.message) % self.params
