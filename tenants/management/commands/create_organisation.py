from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants import services
from tenants.models import Organisation


class Command(BaseCommand):
    help = "Create a member organisation with its site and schema."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("name")
        parser.add_argument(
            "--kind",
            required=True,
            choices=[k for k in Organisation.Kind.values if k != Organisation.Kind.OFFICE],
        )
        parser.add_argument("--cvr", required=True)
        parser.add_argument("--ean", default="")
        parser.add_argument("--buyer-reference", default="")
        parser.add_argument("--street", default="")
        parser.add_argument("--postcode", default="")
        parser.add_argument("--city", default="")
        parser.add_argument("--contact-name", default="")
        parser.add_argument("--contact-email", default="")
        parser.add_argument(
            "--vat-status",
            choices=Organisation.VatStatus.values,
            default=Organisation.VatStatus.STANDARD,
        )

    def handle(self, *args, **options):
        try:
            organisation = services.provision_organisation(
                slug=options["slug"],
                name=options["name"],
                kind=options["kind"],
                cvr=options["cvr"],
                ean=options["ean"],
                buyer_reference=options["buyer_reference"],
                street=options["street"],
                postcode=options["postcode"],
                city=options["city"],
                contact_name=options["contact_name"],
                contact_email=options["contact_email"],
                vat_status=options["vat_status"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Created {organisation.name} at {services.site_url(organisation)}")
        )
