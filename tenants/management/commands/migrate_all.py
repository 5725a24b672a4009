from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import schema_exists

from tenants.schemas import install_clone_function


class Command(BaseCommand):
    help = (
        "Migrate the public schema, the template schema new organisations are cloned from, "
        "and every organisation's schema (in parallel)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--processes", type=int, default=2)

    def handle(self, *args, processes, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        install_clone_function()
        template = settings.TENANT_BASE_SCHEMA
        if not schema_exists(template):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{template}"')
        call_command(
            "migrate_schemas", schema_name=template, interactive=False, verbosity=verbosity
        )
        settings.TENANT_MULTIPROCESSING_MAX_PROCESSES = processes
        call_command(
            "migrate_schemas",
            tenant=True,
            executor="multiprocessing" if processes > 1 else "standard",
            interactive=False,
            verbosity=verbosity,
        )
