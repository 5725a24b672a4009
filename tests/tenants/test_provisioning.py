import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from robots.workitems.models import WorkQueue
from tenants import services
from tenants.models import Domain, Organisation

pytestmark = pytest.mark.django_db


def test_provisioning_creates_organisation_domain_and_a_working_schema(office):
    organisation = services.provision_organisation(
        name="Vejle Kommune",
        slug="vejle",
        kind="municipality",
        cvr="29189684",
        ean="5798005770008",
    )
    assert Domain.objects.get(tenant=organisation).domain == "vejle.localhost"
    assert schema_exists("org_vejle")
    with schema_context("org_vejle"):
        WorkQueue.objects.create(name="Lejetilbud")
        assert WorkQueue.objects.count() == 1
    # The member's data stays in its schema.
    with schema_context("tenant_template"):
        assert WorkQueue.objects.count() == 0


def test_schema_is_cloned_with_migration_history(office):
    services.provision_organisation(
        name="Vejle Kommune", slug="vejle", kind="municipality", cvr="29189684"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tenant_template.django_migrations")
        template_count = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM org_vejle.django_migrations")
        assert cursor.fetchone()[0] == template_count > 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("cvr", "12345678"), ("ean", "5798005770005"), ("slug", "Not A Slug"), ("slug", "ab")],
)
def test_invalid_input_is_refused_and_nothing_is_created(office, field, value):
    data = {"name": "Vejle Kommune", "slug": "vejle", "kind": "municipality", "cvr": "29189684"}
    data[field] = value
    with pytest.raises(ValidationError) as excinfo:
        services.provision_organisation(**data)
    assert field in excinfo.value.message_dict
    assert not Organisation.objects.filter(name="Vejle Kommune").exists()
    assert not schema_exists("org_vejle")


def test_duplicate_slug_is_refused(aarhus):
    with pytest.raises(ValidationError) as excinfo:
        services.provision_organisation(
            name="Aarhus igen", slug="aarhus", kind="municipality", cvr="55133018"
        )
    assert "slug" in excinfo.value.message_dict
    assert Organisation.objects.filter(slug="aarhus").count() == 1


def test_duplicate_domain_is_refused(office):
    Domain.objects.create(domain="vejle.localhost", tenant=office, is_primary=False)
    with pytest.raises(ValidationError) as excinfo:
        services.provision_organisation(
            name="Vejle Kommune", slug="vejle", kind="municipality", cvr="29189684"
        )
    assert "vejle.localhost" in str(excinfo.value)
    assert not schema_exists("org_vejle")


def test_failure_while_cloning_leaves_no_rows_and_no_schema(office, settings):
    settings.TENANT_BASE_SCHEMA = "no_such_template"
    with pytest.raises(ValidationError):
        services.provision_organisation(
            name="Vejle Kommune", slug="vejle", kind="municipality", cvr="29189684"
        )
    assert not Organisation.objects.filter(slug="vejle").exists()
    assert not Domain.objects.filter(domain="vejle.localhost").exists()
    assert not schema_exists("org_vejle")


def test_create_organisation_command(office, capsys):
    call_command("create_organisation", "fsb", "fsb", "--kind", "housing", "--cvr", "10125715")
    assert "http://fsb.localhost:8000/" in capsys.readouterr().out
    assert schema_exists("org_fsb")


def test_create_organisation_command_reports_bad_input(office):
    with pytest.raises(CommandError, match="CVR"):
        call_command("create_organisation", "fsb", "fsb", "--kind", "housing", "--cvr", "10125716")
    assert not schema_exists("org_fsb")
