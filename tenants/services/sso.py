"""Single sign-on on one organisation's site (OpenID Connect or SAML, through allauth)."""

from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from tenants.models import Organisation

PROVIDERS = ("openid_connect", "saml")


@transaction.atomic
def configure_sso(
    *,
    organisation: Organisation,
    provider: str,
    name: str,
    client_id: str = "",
    secret: str = "",
    server_url: str = "",
    metadata_url: str = "",
    actor=None,
) -> tuple[SocialApp, bool]:
    """Offer sign-on with the organisation's identity provider on its site; only people who
    already have an account there can sign in this way. Returns the app and whether it is
    new. Refused (nothing saved) when the settings the provider needs are missing."""
    if organisation.is_office:
        raise ValidationError(_("Single sign-on is set up for a member organisation."))
    if provider not in PROVIDERS:
        raise ValidationError({"provider": _("Choose OpenID Connect or SAML.")})
    if not name.strip():
        raise ValidationError({"name": _("Name the sign-in button.")})
    if provider == "openid_connect":
        missing = [
            field
            for field, value in (
                ("client_id", client_id),
                ("secret", secret),
                ("server_url", server_url),
            )
            if not value
        ]
        if missing:
            raise ValidationError({field: _("OpenID Connect needs this.") for field in missing})
        settings = {"organisation": organisation.slug, "server_url": server_url}
    else:
        if not metadata_url:
            raise ValidationError({"metadata_url": _("SAML needs the metadata URL.")})
        settings = {
            "organisation": organisation.slug,
            "idp": {"entity_id": client_id or metadata_url, "metadata_url": metadata_url},
        }
    app, created = SocialApp.objects.update_or_create(
        provider=provider,
        provider_id=f"{organisation.slug}-{provider.replace('_', '-')}",
        defaults={"name": name, "client_id": client_id, "secret": secret, "settings": settings},
    )
    audit.record(
        actor=actor,
        action="tenants.organisation.sso_configured",
        target=organisation,
        organisation=organisation,
        # Never the secret.
        changes={"provider": provider, "name": name, "client_id": client_id},
    )
    return app, created


def sso_of(organisation: Organisation):
    """The organisation's single sign-on apps (empty when it has none)."""
    return SocialApp.objects.filter(settings__organisation=organisation.slug)
