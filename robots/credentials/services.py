"""The only writers of the vault, and the only place that decrypts a secret.

Secrets never appear in exceptions, audit changes, reprs or logs: errors and the audit
name the credential and which secret changed, never a value.
"""

import base64
from collections.abc import Iterable
from datetime import date

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from core import audit
from robots.credentials import crypto, redaction
from robots.credentials.models import (
    ENV_PREFIX,
    Credential,
    CredentialGrant,
    CredentialUse,
    env_name_for,
)
from robots.credentials.selectors import deployment_choices, ensure_schema_of
from robots.models import Deployment
from tenants.models import Organisation

MAX_CERTIFICATE_BYTES = 1024 * 1024
EXPIRY_WARNING_DAYS = 30
SECRET_FIELDS = {
    Credential.Kind.USERNAME_PASSWORD: ("password",),
    Credential.Kind.API_KEY: ("api_key",),
    Credential.Kind.CERTIFICATE: ("certificate", "certificate_password"),
}
_TOKEN_FIELDS = {
    "password": "password_token",
    "api_key": "api_key_token",
    "certificate": "certificate_token",
    "certificate_password": "certificate_password_token",
}


class CredentialRefused(ValidationError):
    """A job may not have the credentials (expired, or the deployment is retired)."""


def certificate_expiry(data: bytes, password: str = "") -> date | None:
    """The expiry date written in a PKCS#12 or PEM certificate, if it can be read."""
    try:
        _key, certificate, _more = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None
        )
    except (ValueError, TypeError):
        certificate = None
    if certificate is None:
        try:
            certificate = x509.load_pem_x509_certificate(data)
        except (ValueError, TypeError):
            return None
    return timezone.localdate(certificate.not_valid_after_utc)


def _check_deployments(organisation: Organisation, deployments: Iterable) -> list[Deployment]:
    wanted = {getattr(deployment, "pk", deployment) for deployment in deployments}
    found = list(deployment_choices(organisation).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError(
            {"allowed_deployments": _("Choose active deployments of your own organisation.")}
        )
    return found


def _note_grants(deployment_ids: Iterable[int]) -> None:
    """Mark on each deployment (in ``public``) whether any credential of its member is granted
    to it, so that a claim knows without reading the member's schema (``robots_claim_job``).
    In the member's schema context, in the transaction that changed the grants."""
    Deployment.objects.filter(pk__in=set(deployment_ids)).update(
        credentials_granted=Exists(CredentialGrant.objects.filter(deployment_id=OuterRef("pk")))
    )


def _set_name(credential: Credential, name: str) -> None:
    name = (name or "").strip()
    env_name = env_name_for(name)
    if not name or not env_name:
        raise ValidationError({"name": _("Give the credential a name with letters or digits.")})
    clash = (
        Credential.objects.filter(env_name=env_name).exclude(pk=credential.pk).first()
        if credential.pk
        else Credential.objects.filter(env_name=env_name).first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "name": _("The name is too close to the credential %(other)s.")
                % {"other": clash.name}
            }
        )
    credential.name, credential.env_name = name, env_name


def _set_secrets(credential: Credential, secrets: dict, *, creating: bool) -> list[str]:
    """Encrypt the given secrets of the credential's kind; blank means keep. Returns names."""
    allowed = SECRET_FIELDS[credential.kind]
    changed = []
    for field in _TOKEN_FIELDS:
        value = secrets.get(field)
        if value in (None, "", b""):
            continue
        if field not in allowed:
            raise ValidationError({field: _("This kind of credential has no such secret.")})
        if field == "certificate" and len(value) > MAX_CERTIFICATE_BYTES:
            raise ValidationError({field: _("The certificate file is larger than 1 MB.")})
        setattr(credential, _TOKEN_FIELDS[field], crypto.encrypt(value))
        changed.append(field)
    required = allowed[:1]  # the password, the key or the certificate file itself
    missing = [field for field in required if getattr(credential, _TOKEN_FIELDS[field]) is None]
    if missing:
        raise ValidationError({field: _("This field is required.") for field in missing})
    if (
        creating
        and credential.kind == Credential.Kind.USERNAME_PASSWORD
        and not credential.username
    ):
        raise ValidationError({"username": _("This field is required.")})
    return changed


def _save(credential: Credential) -> None:
    try:
        with transaction.atomic():
            credential.save()
    except IntegrityError:
        raise ValidationError({"name": _("A credential with this name exists.")}) from None


@transaction.atomic
def create_credential(
    *,
    organisation: Organisation,
    actor,
    name: str,
    kind: str,
    username: str = "",
    password: str = "",
    api_key: str = "",
    certificate: bytes | None = None,
    certificate_filename: str = "",
    certificate_password: str = "",
    expires_on: date | None = None,
    description: str = "",
    allowed_deployments: Iterable = (),
) -> Credential:
    ensure_schema_of(organisation)
    if kind not in Credential.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of credential.")})
    credential = Credential(
        kind=kind, username=username.strip(), description=description, expires_on=expires_on
    )
    _set_name(credential, name)
    secrets = {
        "password": password,
        "api_key": api_key,
        "certificate": certificate,
        "certificate_password": certificate_password,
    }
    changed = _set_secrets(credential, secrets, creating=True)
    if kind == Credential.Kind.CERTIFICATE:
        credential.certificate_filename = (certificate_filename or "certificate")[:200]
        if expires_on is None:
            credential.expires_on = certificate_expiry(certificate, certificate_password)
    deployments = _check_deployments(organisation, allowed_deployments)
    _save(credential)
    credential.allowed_deployments.set(deployments)
    _note_grants(deployment.pk for deployment in deployments)
    audit.record(
        actor=actor,
        action="credentials.credential.created",
        target=credential,
        organisation=organisation,
        changes={
            "kind": kind,
            "secrets": changed,
            "expires_on": credential.expires_on.isoformat() if credential.expires_on else None,
            "allowed_deployments": sorted(deployment.pk for deployment in deployments),
        },
    )
    return credential


_NO_CHANGE = object()


@transaction.atomic
def update_credential(
    *,
    credential: Credential,
    organisation: Organisation,
    actor,
    name=_NO_CHANGE,
    username=_NO_CHANGE,
    description=_NO_CHANGE,
    expires_on=_NO_CHANGE,
    allowed_deployments=_NO_CHANGE,
    certificate_filename: str = "",
    **secrets,
) -> Credential:
    """Change what is given. Secrets are write-only: a blank secret keeps the stored one."""
    ensure_schema_of(organisation)
    unknown = set(secrets) - set(_TOKEN_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    changes: dict = {}
    if name is not _NO_CHANGE and name.strip() != credential.name:
        before = credential.name
        _set_name(credential, name)
        changes["name"] = [before, credential.name]
    for field, value in (
        ("username", username),
        ("description", description),
        ("expires_on", expires_on),
    ):
        if value is _NO_CHANGE:
            continue
        if field == "username":
            value = value.strip()
        before = getattr(credential, field)
        if value != before:
            setattr(credential, field, value)
            changes[field] = [
                str(before) if before is not None else None,
                str(value) if value is not None else None,
            ]
    if credential.kind == Credential.Kind.USERNAME_PASSWORD and not credential.username:
        raise ValidationError({"username": _("This field is required.")})
    changed_secrets = _set_secrets(credential, secrets, creating=False)
    if "certificate" in changed_secrets:
        credential.certificate_filename = (certificate_filename or "certificate")[:200]
        if expires_on is _NO_CHANGE or expires_on is None:
            found = certificate_expiry(secrets["certificate"], secrets.get("certificate_password"))
            if found is not None and found != credential.expires_on:
                changes["expires_on"] = [str(credential.expires_on), str(found)]
                credential.expires_on = found
    if changed_secrets:
        changes["secrets"] = changed_secrets
    if allowed_deployments is not _NO_CHANGE:
        deployments = _check_deployments(organisation, allowed_deployments)
        before = set(credential.grants.values_list("deployment_id", flat=True))
        after = {deployment.pk for deployment in deployments}
        if before != after:
            credential.allowed_deployments.set(deployments)
            _note_grants(before | after)
            changes["allowed_deployments"] = [sorted(before), sorted(after)]
    if not changes:
        return credential
    credential.updated_at = timezone.now()
    _save(credential)
    audit.record(
        actor=actor,
        action="credentials.credential.changed",
        target=credential,
        organisation=organisation,
        changes=changes,
    )
    return credential


@transaction.atomic
def delete_credential(*, credential: Credential, organisation: Organisation, actor) -> None:
    """Delete the credential and its secrets; its uses stay in the audit by name."""
    ensure_schema_of(organisation)
    audit.record(
        actor=actor,
        action="credentials.credential.deleted",
        target=credential,
        organisation=organisation,
        changes={"name": credential.name, "kind": credential.kind},
    )
    granted = list(credential.grants.values_list("deployment_id", flat=True))
    credential.delete()
    _note_grants(granted)


def _environment_of(credential: Credential) -> dict[str, str]:
    prefix = f"{ENV_PREFIX}{credential.env_name}_"
    values = {}
    if credential.username:
        values[prefix + "USERNAME"] = credential.username
    if credential.password_token is not None:
        values[prefix + "PASSWORD"] = crypto.decrypt(credential.password_token).decode()
    if credential.api_key_token is not None:
        values[prefix + "API_KEY"] = crypto.decrypt(credential.api_key_token).decode()
    if credential.certificate_token is not None:
        data = crypto.decrypt(credential.certificate_token)
        values[prefix + "CERTIFICATE"] = base64.b64encode(data).decode()
        values[prefix + "CERTIFICATE_FILENAME"] = credential.certificate_filename
    if credential.certificate_password_token is not None:
        values[prefix + "CERTIFICATE_PASSWORD"] = crypto.decrypt(
            credential.certificate_password_token
        ).decode()
    return values


def secrets_for_job(
    *, deployment: Deployment, job_reference: str, purpose: str = "job", actor=None
) -> dict[str, str]:
    """Environment variables with the credentials ``deployment`` may use, for one running job.

    Decrypts inside the member's schema, writes one ``CredentialUse`` per credential and
    registers every value with the log redaction. Refuses (hands out nothing) when any of
    the credentials has expired or the deployment is retired.
    """
    if deployment.status == Deployment.Status.RETIRED:
        raise CredentialRefused(_("A retired deployment gets no credentials."))
    organisation = deployment.organisation
    today = timezone.localdate()
    # One statement reads the credentials, one (bulk_create's own transaction) records
    # their uses: no transaction of its own, so no round trips when nothing is granted.
    with schema_context(organisation.schema_name):
        credentials = list(
            Credential.objects.filter(grants__deployment_id=deployment.pk).order_by("name")
        )
        expired = [credential for credential in credentials if credential.is_expired(today)]
        if expired:
            raise CredentialRefused(
                _("Expired credentials cannot be handed to a job: %(names)s. Renew them first.")
                % {
                    "names": ", ".join(
                        f"{credential.name} ({credential.expires_on:%d.%m.%Y})"
                        for credential in expired
                    )
                }
            )
        environment: dict[str, str] = {}
        for credential in credentials:
            environment.update(_environment_of(credential))
        now = timezone.now()
        CredentialUse.objects.bulk_create(
            CredentialUse(
                credential=credential,
                credential_name=credential.name,
                at=now,
                purpose=purpose[:200],
                job_reference=str(job_reference)[:200],
                deployment_id=deployment.pk,
                deployment_name=deployment.name[:200],
                actor=actor if actor is not None and actor.is_authenticated else None,
            )
            for credential in credentials
        )
    for value in redaction.secret_values(environment):
        redaction.register_secret(value)
    return environment


def secret_values_for_redaction(*, deployment: Deployment) -> list[str]:
    """The secret values ``deployment``'s jobs are handed, only to mask them in its log
    lines: nothing leaves the server, so no use is recorded."""
    with schema_context(deployment.organisation.schema_name):
        environment: dict[str, str] = {}
        for credential in Credential.objects.filter(grants__deployment_id=deployment.pk):
            environment.update(_environment_of(credential))
    return redaction.secret_values(environment)


@transaction.atomic
def rotate_keys(*, schema_name: str) -> int:
    """Re-encrypt every stored secret in one member schema with the newest key, atomically.

    Returns the number of credentials re-encrypted.
    """
    with schema_context(schema_name), transaction.atomic():
        now = timezone.now()
        count = 0
        for credential in Credential.objects.select_for_update().order_by("pk"):
            for field in _TOKEN_FIELDS.values():
                token = getattr(credential, field)
                if token is not None:
                    setattr(credential, field, crypto.rotate(token))
            credential.rotated_at = now
            credential.save(update_fields=[*_TOKEN_FIELDS.values(), "rotated_at"])
            count += 1
        return count
