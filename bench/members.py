"""Member organisations the benchmarks make for themselves and remove again."""

from django.db import connection
from stdnum.dk import cvr as cvr_number

from tenants import services
from tenants.models import Organisation


def valid_cvr(index: int, *, start: int) -> str:
    """A CVR number with a valid check digit, distinct per ``index``."""
    number = start + index * 97
    while not cvr_number.is_valid(str(number)):
        number += 1
    return str(number)


def provision(slug_prefix: str, index: int, *, cvr_start: int) -> Organisation:
    return services.provision_organisation(
        name=f"Benchmark {slug_prefix}{index}",
        slug=f"{slug_prefix}{index}",
        kind=Organisation.Kind.OTHER,
        cvr=valid_cvr(index, start=cvr_start),
    )


def drop_schema(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def remove(slug_prefix: str) -> None:
    """Remove the organisations whose slug starts with ``slug_prefix``, and their schemas."""
    connection.set_schema_to_public()
    for organisation in Organisation.objects.filter(slug__startswith=slug_prefix):
        drop_schema(organisation.schema_name)
        organisation.domains.all().delete()
        organisation.delete()
