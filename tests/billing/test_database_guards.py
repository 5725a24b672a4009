"""The guards of billing/sql/immutable_periods.sql and final_invoices.sql, each on its own:
what the database refuses in a closed period whoever asks (SQLSTATE 23001,
restrict_violation), and the two changes it still lets through. test_rules.py covers raw
updates and deletes of a closed period's rows."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing.models import Adjustment, CostPool, Invoice, InvoiceLine, Period, UsageEntry
from tenants.models import Organisation
from tests.billing.test_example_partnership import partnership  # noqa: F401  (shared fixture)
from tests.billing.test_rules import closed_march

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

# ruff: noqa: F811


def copy(row):
    """Insert a copy of ``row`` (its primary key left to the database)."""
    row.pk = None
    row._state.adding = True
    return row


def book_usage(period):
    entry = UsageEntry.objects.filter(period=period).first()
    entry.source += "-again"
    copy(entry).save()


def add_adjustment(period):
    invoice = Invoice.objects.filter(period=period).first()
    Adjustment.objects.create(
        period=period,
        organisation_id=invoice.organisation_id,
        amount_ore=100,
        description="Efterregulering",
        corrects=invoice,
    )


def limit_a_pool(period):
    pool = CostPool.objects.filter(period=period).first()
    member = Organisation.objects.exclude(pk__in=pool.limit_to_members.all()).first()
    CostPool.limit_to_members.through.objects.create(costpool=pool, organisation=member)


def add_invoice(period):
    invoice = Invoice.objects.filter(period=period).first()
    invoice.number = None
    copy(invoice).save()


def add_invoice_line(period):
    line = InvoiceLine.objects.filter(invoice__period=period).first()
    line.position += 1000
    copy(line).save()


def remove_invoice_lines(period):
    InvoiceLine.objects.filter(invoice__period=period).delete()


def remove_period(period):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Period._meta.db_table} WHERE id = %s", [period.pk])


@pytest.mark.parametrize(
    "change",
    [
        book_usage,  # billing_usageentry_guard
        add_adjustment,  # billing_adjustment_guard
        limit_a_pool,  # billing_costpool_members_guard
        add_invoice,  # billing_invoice_guard
        add_invoice_line,  # billing_invoiceline_guard_insert
        remove_invoice_lines,  # billing_invoiceline_guard_delete
        remove_period,  # billing_period_guard
    ],
)
def test_the_database_refuses_changes_to_a_closed_period(partnership, change):
    period = closed_march(partnership)
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        change(period)
    assert refused.value.__cause__.sqlstate == "23001", refused.value


def test_a_final_invoice_may_still_be_paid_and_a_closed_period_exported(partnership):
    period = closed_march(partnership)
    now = timezone.now()
    paid = Invoice.objects.filter(period=period, number__isnull=False).update(paid_at=now)
    assert paid > 0
    Period.objects.filter(pk=period.pk).update(status=Period.Status.EXPORTED, exported_at=now)
    period.refresh_from_db()
    assert period.status == Period.Status.EXPORTED
