from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.models import Organisation
from tenants.services.sso import configure_sso


class Command(BaseCommand):
    help = (
        "Offer single sign-on (OpenID Connect or SAML) on one organisation's site. "
        "Only people who already have an account can sign in this way."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the organisation's slug")
        parser.add_argument("--provider", choices=["openid_connect", "saml"], required=True)
        parser.add_argument("--name", required=True, help="button text, e.g. 'Aarhus AD'")
        parser.add_argument("--client-id", default="", help="OIDC client id / SAML entity id")
        parser.add_argument("--secret", default="", help="OIDC client secret")
        parser.add_argument("--server-url", default="", help="OIDC issuer URL")
        parser.add_argument("--metadata-url", default="", help="SAML IdP metadata URL")

    def handle(self, *args, slug, provider, name, client_id, secret, server_url, metadata_url, **o):
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None or organisation.is_office:
            raise CommandError(f"No member organisation with slug {slug!r}.")
        try:
            _app, created = configure_sso(
                organisation=organisation,
                provider=provider,
                name=name,
                client_id=client_id,
                secret=secret,
                server_url=server_url,
                metadata_url=metadata_url,
            )
        except ValidationError as error:
            if provider == "openid_connect":
                raise CommandError(
                    "OpenID Connect needs --client-id, --secret and --server-url."
                ) from error
            raise CommandError("SAML needs --metadata-url.") from error
        verb = "Added" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {name} ({provider}) on {slug}'s site."))
