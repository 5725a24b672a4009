"""The guards of billing/sql/integrity.sql, the close's check of the running totals against
the ledger, and the processes run as a role that does not own the tables
(``grant_app_role``)."""

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.backends.base.creation import TEST_DATABASE_PREFIX

from billing import services
from billing.models import Invoice, InvoiceLine, Period, UsageEntry, UsageTotal
from billing.services.invoices import TotalsDisagree
from config.database.base import is_test_database
from tests.billing.test_example_partnership import (  # noqa: F401  (shared fixture)
    MARCH,
    make_pools,
    partnership,
)
from tests.billing.test_rules import closed_march

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

# ruff: noqa: F811


def settle_deferred_checks():
    """The test's transaction has deferred foreign-key checks pending, and PostgreSQL
    truncates or alters no table with pending trigger events: run them now."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def refused(statement: str, params=()) -> IntegrityError:
    settle_deferred_checks()
    with (
        pytest.raises(IntegrityError) as error,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params)
    assert error.value.__cause__.sqlstate == "23001", error.value
    return error.value


@pytest.mark.parametrize("model", [UsageEntry, UsageTotal, Period, Invoice, InvoiceLine])
def test_the_database_refuses_truncate_of_billing_history(partnership, model):
    closed_march(partnership)
    error = refused(f"TRUNCATE {model._meta.db_table} CASCADE")
    assert "cannot be truncated" in str(error)
    assert model.objects.exists()


def test_only_the_ledgers_trigger_may_change_the_running_totals(partnership):
    period = services.get_period(MARCH)
    services.record_period_usage(period)  # booked: the trigger wrote the totals
    table = UsageTotal._meta.db_table
    total = UsageTotal.objects.filter(started_minutes__isnull=False).first()
    before = total.started_minutes
    refused(f"UPDATE {table} SET started_minutes = started_minutes + 1 WHERE id = %s", [total.pk])
    refused(f"DELETE FROM {table} WHERE id = %s", [total.pk])
    refused(
        f"INSERT INTO {table} (period_id, organisation_id, started_minutes) VALUES (%s, %s, 1000)",
        [period.pk, total.organisation_id],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        UsageTotal.objects.filter(pk=total.pk).update(started_minutes=0)
    total.refresh_from_db()
    assert total.started_minutes == before


@pytest.mark.parametrize("moved", [False, True], ids=["minute_removed", "minute_moved"])
def test_the_close_refuses_totals_that_disagree_with_the_ledger(partnership, english, moved):
    aarhus, odense, _bolig = partnership
    period = services.get_period(MARCH)
    make_pools(period, *partnership)
    services.record_period_usage(period)
    table = UsageTotal._meta.db_table
    change = f"UPDATE {table} SET started_minutes = started_minutes + %s WHERE id = %s"
    aarhus_total = UsageTotal.objects.filter(organisation=aarhus, started_minutes__gt=0).first()
    odense_total = UsageTotal.objects.filter(organisation=odense, started_minutes__gt=0).first()
    settle_deferred_checks()
    with connection.cursor() as cursor:
        # Only the owner can get past the guard: by switching it off.
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER billing_usagetotal_guard")
        cursor.execute(change, [-1, aarhus_total.pk])
        if moved:  # the month's sum stays the same
            cursor.execute(change, [1, odense_total.pk])
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER billing_usagetotal_guard")
    members = "Aarhus Kommune, Odense Kommune" if moved else "Aarhus Kommune"
    with pytest.raises(TotalsDisagree, match=f"do not agree with the usage ledger for {members}"):
        services.close_period(period)
    period.refresh_from_db()
    assert period.status != Period.Status.CLOSED
    assert not Invoice.objects.filter(number__isnull=False).exists()


def test_only_a_test_database_may_be_flushed():
    assert is_test_database(connection.settings_dict)
    assert is_test_database({"NAME": f"{TEST_DATABASE_PREFIX}robotkontor"})
    assert not is_test_database({"NAME": "robotkontor", "TEST": {"NAME": None}})
    flush = connection.ops.sql_flush(no_style(), [UsageEntry._meta.db_table])
    assert flush[0] == "SET LOCAL robotkontor.allow_truncate = 'on'"


def test_the_close_runs_as_a_role_that_owns_no_table(partnership):
    role = "robotkontor_test_app"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")  # rolled back with the test
    call_command("grant_app_role", role, verbosity=0)
    period = services.get_period(MARCH)
    make_pools(period, *partnership)
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (role,)
    services.close_period_with_progress(period, lambda *_: None)
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED
    assert Invoice.objects.filter(period=period, number__isnull=False).count() == 3
    # The role can neither switch a guard off nor empty a table.
    for statement in (
        f"ALTER TABLE {InvoiceLine._meta.db_table} DISABLE TRIGGER ALL",
        f"TRUNCATE {UsageEntry._meta.db_table}",
        f"UPDATE {UsageTotal._meta.db_table} SET started_minutes = 0",
    ):
        with (
            pytest.raises((ProgrammingError, IntegrityError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
