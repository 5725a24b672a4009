from django.core.management.base import BaseCommand, CommandError

from robots.credentials import services
from robots.credentials.crypto import UndecryptableSecret
from tenants.models import Organisation
from tenants.selectors import member_schema_names


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored credential secret with the newest key in CREDENTIAL_KEYS, "
        "one member schema at a time (each atomically). Afterwards the older keys can be "
        "removed from CREDENTIAL_KEYS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="only this member schema (default: every member)")

    def handle(self, *args, schema=None, **options):
        if schema:
            if (
                not Organisation.objects.filter(schema_name=schema)
                .exclude(kind=Organisation.Kind.OFFICE)
                .exists()
            ):
                raise CommandError(f"No member organisation has the schema {schema!r}.")
            schemas = [schema]
        else:
            schemas = member_schema_names()
        total = 0
        for schema_name in schemas:
            try:
                count = services.rotate_keys(schema_name=schema_name)
            except UndecryptableSecret as error:
                raise CommandError(
                    f"{schema_name}: {error} Nothing in this schema was changed; put the old "
                    "key back in CREDENTIAL_KEYS and run the command again."
                ) from None
            total += count
            self.stdout.write(f"{schema_name}: {count} credential(s) re-encrypted")
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {total} credential(s) in {len(schemas)} schema(s) "
                "with the newest key."
            )
        )
