"""The only writers of organisations, people, memberships, invitations and tokens."""

import logging
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists

from core import audit
from tenants import permissions, schemas
from tenants.models import (
    PROCESS_OWNER_ROLES,
    ApiToken,
    Domain,
    Invitation,
    KeyFigure,
    Membership,
    Organisation,
    User,
    hash_secret,
)

logger = logging.getLogger(__name__)

INVITATION_VALIDITY = timedelta(days=14)

# Where an organisation is and whom to ask there, as invoices name them.
ADDRESS_FIELDS = (
    "street",
    "postcode",
    "city",
    "contact_name",
    "contact_email",
    "contact_phone",
)
# An organisation as its creator describes it: the form, the API and provisioning take these.
ORGANISATION_FIELDS = (
    "name",
    "slug",
    "kind",
    "cvr",
    "ean",
    "buyer_reference",
    *ADDRESS_FIELDS,
    "vat_status",
)
# What finance and office admins may correct after creation; slug, kind and schema stay.
MEMBER_DETAIL_FIELDS = tuple(
    field for field in ORGANISATION_FIELDS if field not in ("slug", "kind")
)
# The office's own details, with the bank account its invoices name as where to pay.
OFFICE_DETAIL_FIELDS = (
    "name",
    "cvr",
    "ean",
    *ADDRESS_FIELDS,
    "bank_reg_no",
    "bank_account_no",
    "iban",
)


def site_host(organisation: Organisation) -> str:
    """The host an organisation's site answers on."""
    if organisation.is_office:
        return settings.BASE_DOMAIN
    return f"{organisation.slug}.{settings.BASE_DOMAIN}"


def site_url(organisation: Organisation, path: str = "/") -> str:
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_URL_SCHEME}://{site_host(organisation)}{port}{path}"


def schema_name_for(slug: str) -> str:
    return "org_" + slug.replace("-", "_")


@transaction.atomic
def provision_organisation(*, name: str, slug: str, kind: str, cvr: str, **details) -> Organisation:
    """Create a member organisation, its domain and its schema — all of it, or nothing.

    ``details`` are the rest of ``ORGANISATION_FIELDS`` (address, contact, EAN, VAT status);
    what is not given takes the model's default. The schema is cloned from the migrated
    template schema (settings.TENANT_BASE_SCHEMA), which is much faster than migrating a new
    schema from scratch. Because PostgreSQL DDL is transactional, a failure anywhere rolls
    back the rows and the schema together.
    """
    unknown = set(details) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    if kind == Organisation.Kind.OFFICE:
        raise ValidationError({"kind": _("There is only one shared office.")})
    organisation = Organisation(
        name=name, slug=slug, kind=kind, cvr=cvr, schema_name=schema_name_for(slug), **details
    )
    organisation.full_clean(exclude=["schema_name"])
    host = site_host(organisation)
    if Domain.objects.filter(domain=host).exists():
        raise ValidationError(
            {"slug": _("The domain %(host)s is already in use.") % {"host": host}}
        )
    if schema_exists(organisation.schema_name):
        raise ValidationError({"slug": _("An organisation with this slug already exists.")})
    organisation.save()
    Domain.objects.create(domain=host, tenant=organisation, is_primary=True)
    schemas.clone_template(organisation.schema_name)
    connection.set_schema_to_public()
    logger.info("Provisioned organisation %s (schema %s)", slug, organisation.schema_name)
    return organisation


@transaction.atomic
def ensure_office(*, name: str, cvr: str, ean: str = "", **details) -> Organisation:
    """The shared office owns the public schema and answers on the bare base domain."""
    office, _created = Organisation.objects.update_or_create(
        schema_name=settings.PUBLIC_SCHEMA_NAME,
        defaults={
            "name": name,
            "slug": "office",
            "kind": Organisation.Kind.OFFICE,
            "cvr": cvr,
            "ean": ean,
            **details,
        },
    )
    office.full_clean()
    Domain.objects.update_or_create(
        domain=settings.BASE_DOMAIN, defaults={"tenant": office, "is_primary": True}
    )
    return office


def office() -> Organisation:
    return Organisation.objects.get(schema_name=settings.PUBLIC_SCHEMA_NAME)


def check_process_owner(user: User, organisation: Organisation) -> None:
    """Refuse (on the ``process_owner`` field) anyone but an active process owner or
    administrator of the organisation: who may answer for its automated processes."""
    if not Membership.objects.filter(
        user=user, organisation=organisation, role__in=PROCESS_OWNER_ROLES, user__is_active=True
    ).exists():
        raise ValidationError(
            {
                "process_owner": _(
                    "The process owner must be a process owner or administrator "
                    "of %(organisation)s."
                )
                % {"organisation": organisation.name}
            }
        )


@transaction.atomic
def set_key_figure(
    *, organisation: Organisation, kind: str, value, valid_from, source: str = ""
) -> KeyFigure:
    figure, _created = KeyFigure.objects.update_or_create(
        organisation=organisation,
        kind=kind,
        valid_from=valid_from,
        defaults={"value": value, "source": source},
    )
    figure.full_clean()
    return figure


@transaction.atomic
def set_job_limit(*, organisation: Organisation, max_concurrent_jobs: int, actor) -> Organisation:
    """How many of the member's robot jobs the runners may run at once (audited)."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = organisation.max_concurrent_jobs
    if before == max_concurrent_jobs:
        return organisation
    organisation.max_concurrent_jobs = max_concurrent_jobs
    organisation.full_clean(validate_unique=False, validate_constraints=False)
    organisation.save(update_fields=["max_concurrent_jobs"])
    audit.record(
        actor=actor,
        action="tenants.organisation.job_limit_changed",
        target=organisation,
        organisation=organisation,
        changes={"max_concurrent_jobs": [before, max_concurrent_jobs]},
    )
    return organisation


def detail_fields(organisation: Organisation) -> tuple[str, ...]:
    return OFFICE_DETAIL_FIELDS if organisation.is_office else MEMBER_DETAIL_FIELDS


@transaction.atomic
def update_organisation_details(*, organisation: Organisation, actor, **details) -> Organisation:
    """Correct an organisation's invoicing details (audited: each changed field old → new).

    Validated like at creation; a refusal changes nothing. Invoices read the organisation when
    they are rendered, so the next PDF or e-invoice shows the new details."""
    allowed = detail_fields(organisation)
    unknown = sorted(set(details) - set(allowed))
    if unknown:
        raise ValidationError(
            _("These details cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)}
        )
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = {field: getattr(organisation, field) for field in details}
    if not audit.changed(before, details):
        return organisation
    for field, value in details.items():
        setattr(organisation, field, value)
    organisation.full_clean(validate_unique=False, validate_constraints=False)
    audit.save_changes(
        organisation,
        before,
        details,
        actor=actor,
        action="tenants.organisation.details_changed",
        organisation=organisation,
        update_fields=True,
    )
    return organisation


@transaction.atomic
def add_member(*, user: User, organisation: Organisation, role: str) -> Membership:
    if role not in permissions.allowed_roles(organisation):
        raise ValidationError({"role": _("This role does not exist in this organisation.")})
    found, _created = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    return found


@transaction.atomic
def create_user(*, email: str, password: str | None, full_name: str = "") -> User:
    """A user whose e-mail address is verified (created by an admin or an accepted invite)."""
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


@transaction.atomic
def invite(
    *, inviter: User, site: Organisation, organisation: Organisation, email: str, role: str
) -> Invitation:
    """Invite a person to an organisation; the e-mail goes out once the invitation is saved."""
    if not permissions.can_invite(inviter, site, organisation, role):
        raise PermissionDenied(_("You may not invite people with this role here."))
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email.strip().lower(),
        role=role,
        token_hash=hash_secret(token),
        invited_by=inviter,
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    link = site_url(organisation, f"/invitation/{token}/")
    language = translation.get_language()
    transaction.on_commit(lambda: _send_invitation(invitation.pk, link, language))
    return invitation


def _send_invitation(invitation_pk: int, link: str, language: str) -> None:
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(
        pk=invitation_pk
    )
    with translation.override(language):
        context = {"invitation": invitation, "link": link}
        send_mail(
            subject=_("Invitation to %(organisation)s on Robotkontor")
            % {"organisation": invitation.organisation.name},
            message=render_to_string("tenants/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )


def open_invitation(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=hash_secret(token))
        .first()
    )
    return invitation if invitation and invitation.is_open else None


@transaction.atomic
def accept_invitation(
    *, invitation: Invitation, user: User | None, password: str | None = None, full_name: str = ""
) -> User:
    """Accept as the signed-in user (whose e-mail must match) or as a new user."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(_("This invitation has expired or has already been used."))
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(_("You already have an account: sign in to accept."))
        user = create_user(email=invitation.email, password=password, full_name=full_name)
    elif user.email.lower() != invitation.email:
        raise ValidationError(_("This invitation was sent to another e-mail address."))
    add_member(user=user, organisation=invitation.organisation, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


@transaction.atomic
def issue_api_token(
    *, user: User, organisation: Organisation, name: str, expires_at=None
) -> tuple[ApiToken, str]:
    """Create a token; the plain key is returned once and never stored."""
    if permissions.membership(user, organisation) is None:
        raise PermissionDenied(_("You are not a member of this organisation."))
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user,
        organisation=organisation,
        name=name,
        key_prefix=key[:10],
        key_hash=hash_secret(key),
        expires_at=expires_at,
    )
    return token, key


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: User) -> None:
    if token.user_id != actor.pk:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


@transaction.atomic
def close_site(*, organisation: Organisation, actor) -> Organisation:
    """Close a member's site to its people (it has left the partnership; audited). Its rows
    and schema stay; the office keeps reading its billing on the office console."""
    if organisation.is_office:
        raise ValidationError(_("The office's own site cannot be closed."))
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not organisation.is_active:
        return organisation
    organisation.is_active = False
    # save() (not update()) so the cached host → organisation lookup is dropped at once.
    organisation.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action="tenants.organisation.site_closed",
        target=organisation,
        organisation=organisation,
        changes={"is_active": [True, False]},
    )
    return organisation
