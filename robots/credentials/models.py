"""The credentials vault, in each member's schema (the member is data controller).

Secrets are stored only as Fernet tokens (see ``crypto``); nothing here ever decrypts them
except ``services.secrets_for_job``. Reprs and strings show names, never secret values.
"""

import re
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ENV_PREFIX = "RK_CRED_"
_DANISH = str.maketrans({"æ": "ae", "Æ": "AE", "ø": "oe", "Ø": "OE", "å": "aa", "Å": "AA"})


def env_name_for(name: str) -> str:
    """The part of the environment variable names a credential is handed out under."""
    ascii_name = (
        unicodedata.normalize("NFKD", name.translate(_DANISH)).encode("ascii", "ignore").decode()
    )
    return re.sub(r"[^A-Z0-9]+", "_", ascii_name.upper()).strip("_")


class Credential(models.Model):
    class Kind(models.TextChoices):
        USERNAME_PASSWORD = "username_password", _("Username and password")
        CERTIFICATE = "certificate", _("Certificate")
        API_KEY = "api_key", _("API key")

    name = models.CharField(_("name"), max_length=100, unique=True)
    env_name = models.CharField(
        _("environment name"),
        max_length=100,
        unique=True,
        help_text=_("The job sees the credential as RK_CRED_<this name>_…"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    username = models.CharField(_("username"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    # The secrets, as Fernet tokens only.
    password_token = models.BinaryField(null=True, editable=False)
    api_key_token = models.BinaryField(null=True, editable=False)
    certificate_token = models.BinaryField(null=True, editable=False)
    certificate_password_token = models.BinaryField(null=True, editable=False)
    certificate_filename = models.CharField(_("certificate file"), max_length=200, blank=True)
    # Deployments live in public; a member's credential may only go to that member's own.
    allowed_deployments = models.ManyToManyField(
        "robots.Deployment",
        through="CredentialGrant",
        related_name="+",
        blank=True,
        verbose_name=_("allowed deployments"),
    )
    # The expiry date the owners were last warned about (one warning per expiry date).
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    rotated_at = models.DateTimeField(_("secrets re-encrypted"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Exactly the secrets of the credential's kind are stored.
            models.CheckConstraint(
                condition=Q(
                    kind="username_password",
                    password_token__isnull=False,
                    api_key_token__isnull=True,
                    certificate_token__isnull=True,
                    certificate_password_token__isnull=True,
                )
                | Q(
                    kind="api_key",
                    api_key_token__isnull=False,
                    password_token__isnull=True,
                    certificate_token__isnull=True,
                    certificate_password_token__isnull=True,
                )
                | Q(
                    kind="certificate",
                    certificate_token__isnull=False,
                    password_token__isnull=True,
                    api_key_token__isnull=True,
                ),
                name="credential_secrets_match_kind",
            ),
            models.CheckConstraint(condition=~Q(env_name=""), name="credential_env_name_set"),
        ]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")

    def __str__(self):
        return self.name

    def __repr__(self):
        return f"<Credential {self.pk}: {self.name} ({self.kind})>"

    def is_expired(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.expires_on is not None and self.expires_on < today


class CredentialGrant(models.Model):
    """A credential may be handed to this deployment's jobs.

    ``DO_NOTHING``: a deployment row lives in ``public`` and is never deleted (it is retired).
    No database constraint across schemas (as for work queues): one from every member schema
    would make the public table impossible to truncate or restore on its own. The services
    grant only deployments of the member's own (``_check_deployments``).
    """

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="grants")
    deployment = models.ForeignKey(
        "robots.Deployment", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "deployment"], name="credential_grant_unique"
            )
        ]

    def __str__(self):
        return f"{self.credential_id} → {self.deployment_id}"


class CredentialUse(models.Model):
    """Append-only audit: one row each time a credential is decrypted for a job.

    Names are copied so the record survives the credential's deletion and renames.
    """

    credential = models.ForeignKey(
        Credential, on_delete=models.SET_NULL, null=True, related_name="uses"
    )
    credential_name = models.CharField(_("credential"), max_length=100)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    job_reference = models.CharField(_("job"), max_length=200, blank=True)
    deployment_id = models.BigIntegerField(_("deployment"), null=True, blank=True)
    deployment_name = models.CharField(_("deployment name"), max_length=200, blank=True)
    # Users live in public and may be erased; the audit keeps the id.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["credential", "-at"], name="credential_use_recent")]
        verbose_name = _("credential use")
        verbose_name_plural = _("credential uses")

    def __str__(self):
        return f"{self.credential_name} @ {self.at:%Y-%m-%d %H:%M} ({self.purpose})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Credential uses are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Credential uses are append-only.")
