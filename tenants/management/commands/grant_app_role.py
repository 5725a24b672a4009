"""Let a database role that does not own the tables run the web and worker processes.

The role that runs the migrations owns the tables, and an owner can switch off or drop the
database's guards (billing history's triggers, the audit trail's). Run web, worker and beat
as another role: it may read and write rows, but it cannot change a table, disable a
trigger or TRUNCATE, so the guards hold whatever the application does. Run this command as
the owner after every ``migrate_all`` (it is idempotent): it grants the role what the
processes need in ``public``, the template schema and every member schema, and the same on
what the owner creates there later. platform/README.md says how to set it up.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

# Rows only: no TRUNCATE, REFERENCES or TRIGGER on tables.
PRIVILEGES = [
    (sql.SQL("SELECT, INSERT, UPDATE, DELETE"), sql.SQL("TABLES")),
    (sql.SQL("USAGE, SELECT, UPDATE"), sql.SQL("SEQUENCES")),
    (sql.SQL("EXECUTE"), sql.SQL("FUNCTIONS")),
]


def schemas() -> list[str]:
    """public, the template schema and every member schema the owner can reach."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s) OR nspname LIKE 'org\\_%%'"
            " ORDER BY nspname",
            [[settings.PUBLIC_SCHEMA_NAME, settings.TENANT_BASE_SCHEMA]],
        )
        return [name for (name,) in cursor.fetchall()]


def grant_app_role(role: str) -> list[str]:
    """Grant ``role`` what the processes need; returns the schemas covered."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        found = cursor.fetchone()
        if found is None:
            raise CommandError(f"There is no database role {role!r}: create it first.")
        if found[0]:
            raise CommandError(f"{role!r} is a superuser: it could switch off every guard.")
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'billing_period'")
        owner = cursor.fetchone()
        if owner is not None and owner[0] == role:
            raise CommandError(f"{role!r} owns the tables: use another role for the processes.")
        name = sql.Identifier(role)
        # CREATE on the database: the processes create a new member's schema.
        cursor.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY, CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(connection.settings_dict["NAME"]), name
            )
        )
        covered = schemas()
        for schema in map(sql.Identifier, covered):
            cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, name))
            for privileges, kind in PRIVILEGES:
                cursor.execute(
                    sql.SQL("GRANT {} ON ALL {} IN SCHEMA {} TO {}").format(
                        privileges, kind, schema, name
                    )
                )
                # What the owner creates there later (the next migrations).
                cursor.execute(
                    sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT {} ON {} TO {}").format(
                        schema, privileges, kind, name
                    )
                )
    return covered


class Command(BaseCommand):
    help = (
        "Grant a database role that does not own the tables what the web and worker processes"
        " need (run as the owner, after every migrate_all): grant_app_role ROLE"
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role web, worker and beat connect as")

    def handle(self, *args, role: str, **options):
        with transaction.atomic():
            covered = grant_app_role(role)
        self.stdout.write(
            self.style.SUCCESS(f"{role} may use {len(covered)} schemas; it owns no table.")
        )
