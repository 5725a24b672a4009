"""Member schemas are clones of the migrated template schema (settings.TENANT_BASE_SCHEMA).

django-tenants' ``clone_schema`` SQL function does the copying. django-tenants re-creates that
function before every clone; PostgreSQL then compiles a fresh copy of it (about 2 MB) in the
backend and never frees the old one, and when the clone is rolled back (as in every test) the
process grows without bound. So the function is installed once, committed, by ``migrate_all``,
and a clone only calls it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists


def install_clone_function() -> None:
    """Create (or replace) the clone_schema() function; migrate_all calls this."""
    CloneSchema()._create_clone_schema_function()


def clone_function_installed() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('public.clone_schema') IS NOT NULL")
        return cursor.fetchone()[0]


def clone_template(schema_name: str) -> None:
    """Create ``schema_name`` as a copy of the template's tables, data and migration history."""
    if not schema_exists(settings.TENANT_BASE_SCHEMA) or not clone_function_installed():
        raise ValidationError(_("The template schema is missing: run manage.py migrate_all."))
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT public.clone_schema(%s, %s, 'DATA')",
            [settings.TENANT_BASE_SCHEMA, schema_name],
        )
