"""Bad input is refused with a reason and changes nothing; the ledger and the close are
idempotent; closed periods are unchangeable in the database itself."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from billing import services
from billing.invoicing import MissingKeyFigures
from billing.models import (
    CostPool,
    Invoice,
    InvoiceLine,
    KeyKind,
    Period,
    RateCard,
    TimeEntry,
    UsageEntry,
)
from tenants.models import KeyFigure, Organisation
from tests.billing.test_example_partnership import (  # noqa: F401  (shared fixture)
    MARCH,
    make_pools,
    partnership,
)
from tests.conftest import valid_cvrs

pytestmark = pytest.mark.django_db


def closed_march(partnership):
    period = services.get_period(MARCH)
    make_pools(period, *partnership)
    services.close_period_with_progress(period, lambda *_: None)
    period.refresh_from_db()
    return period


# ruff: noqa: F811


def test_missing_key_figures_refuse_the_close_with_the_list(partnership):
    period = services.get_period(MARCH)
    services.create_cost_pool(period=period, name="Løn", amount_ore=100_000, key=KeyKind.POPULATION)
    services.create_cost_pool(
        period=period, name="Boliger", amount_ore=100_000, key=KeyKind.HOUSING_UNITS
    )
    with translation.override("en"), pytest.raises(MissingKeyFigures) as refused:
        services.close_period(period)
    assert refused.value.missing == [
        "Løn: Boligselskabet has no population",
        "Boliger: Aarhus Kommune has no housing units",
        "Boliger: Odense Kommune has no housing units",
        "Boliger: Boligselskabet has no housing units",
    ]
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN
    assert not Invoice.objects.filter(number__isnull=False).exists()


def test_fixed_percentages_must_sum_to_100(partnership):
    aarhus, odense, _bolig = partnership
    period = services.get_period(MARCH)
    with pytest.raises(ValidationError, match="99,00"):
        services.create_cost_pool(
            period=period,
            name="Drift",
            amount_ore=100,
            key=KeyKind.FIXED,
            key_params={"percentages": {str(aarhus.pk): "60", str(odense.pk): "39"}},
        )
    assert not CostPool.objects.exists()


def test_negative_or_zero_hours_are_refused(aarhus, make_user):
    staff = make_user("konsulent@robotkontor.dk")
    for hours in (Decimal("-1"), Decimal(0)):
        with pytest.raises(ValidationError):
            services.record_time_entry(
                staff=staff, work_date=MARCH, hours=hours, description="x", organisation=aarhus
            )
    assert not TimeEntry.objects.exists()


def test_overlapping_rate_cards_are_refused_by_the_service_and_the_database(rate_card, english):
    fields = {
        "name": "Ny",
        "valid_from": date(2025, 6, 1),
        "robot_minute_price": Decimal(1),
        "staff_hour_price": Decimal(1),
    }
    with pytest.raises(ValidationError, match="overlaps"):
        services.create_rate_card(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        RateCard.objects.create(**fields)
    assert RateCard.objects.count() == 1


def test_a_closed_period_cannot_be_edited(partnership, english):
    period = closed_march(partnership)
    pool = period.pools.first()
    with pytest.raises(ValidationError, match="closed"):
        services.create_cost_pool(period=period, name="Ny", amount_ore=1, key=KeyKind.EQUAL)
    with pytest.raises(ValidationError, match="closed"):
        services.update_cost_pool(pool, amount_ore=1)
    with pytest.raises(ValidationError, match="closed"):
        services.preview_period(period)
    pool.refresh_from_db()
    assert pool.amount_ore == 120_000_000
    assert period.pools.count() == 3


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE billing_invoice SET total_ore = 0, subtotal_ore = 0, vat_ore = 0",
        "DELETE FROM billing_invoice",
        "UPDATE billing_invoiceline SET amount_ore = 0",
        "UPDATE billing_costpool SET amount_ore = 0",
        "UPDATE billing_period SET status = 'open'",
        "UPDATE billing_usageentry SET quantity = 0",
        "DELETE FROM billing_usageentry",
    ],
)
def test_the_database_refuses_raw_changes_to_a_closed_period(partnership, sql):
    closed_march(partnership)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert Invoice.objects.filter(total_ore=0).count() == 0


def test_recording_and_closing_twice_is_harmless(partnership):
    period = closed_march(partnership)
    entries = UsageEntry.objects.count()
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert services.record_jobs_usage(period) == 0
    services.close_period(period)
    services.close_period_with_progress(period, lambda *_: None)
    assert UsageEntry.objects.count() == entries
    assert sorted(Invoice.objects.values_list("number", flat=True)) == numbers == [1, 2, 3]
    assert services.billing_settings().next_invoice_number == 4


def test_correction_after_close_is_a_credit_note_and_an_adjustment(partnership):
    period = closed_march(partnership)
    invoice = period.invoices.get(organisation__slug="bolig")
    note, _adjustment = services.credit_invoice(invoice, reason="Forkert antal timer", rebill_ore=5)
    assert (note.kind, note.number, note.credits, note.total_ore) == (
        "credit_note",
        4,
        invoice,
        invoice.total_ore,
    )
    assert note.period.month == date(2025, 4, 1)
    assert sum(line.amount_ore for line in note.lines.all()) == invoice.subtotal_ore
    april = note.period
    services.close_period(april)
    rebilled = april.invoices.get(organisation__slug="bolig", kind="invoice")
    line = rebilled.lines.get(kind="adjustment")
    assert line.amount_ore == 5
    assert line.description.startswith(f"Korrektion af faktura {invoice.number} (2025-03)")
    # Numbers stay gap-free across invoices and credit notes: March's three, the credit
    # note, and in April only Bolig's invoice (the others have nothing to bill).
    assert sorted(Invoice.objects.values_list("number", flat=True)) == list(range(1, 6))
    with pytest.raises(ValidationError):
        services.credit_invoice(invoice, reason="igen")


def test_preview_reports_what_changed(partnership):
    aarhus, _odense, _bolig = partnership
    period = services.get_period(MARCH)
    services.record_period_usage(period)
    first = services.preview_period(period)
    assert set(first["changes"]) == {member.pk for member in partnership}
    assert services.preview_period(period)["changes"] == {}
    services.create_cost_pool(
        period=period, name="Ekstra", amount_ore=300, key=KeyKind.EQUAL, limit_to_members=[aarhus]
    )
    changes = services.preview_period(period)["changes"]
    assert list(changes) == [aarhus.pk]
    # Aarhus is outside VAT: its total grows by exactly the 300 øre.
    assert changes[aarhus.pk]["after"] == changes[aarhus.pk]["before"] + 300


def _members(first: int, count: int) -> None:
    cvrs = valid_cvrs()
    for index in range(first, first + count):
        member = Organisation.objects.create(
            name=f"Medlem {index}",
            slug=f"medlem-{index}",
            kind=Organisation.Kind.MUNICIPALITY,
            cvr=next(cvrs),
            schema_name=f"org_medlem_{index}",
        )
        KeyFigure.objects.create(
            organisation=member,
            kind=KeyFigure.Kind.POPULATION,
            value=10_000 + index,
            valid_from=date(2024, 1, 1),
        )


def _usage(period: Period) -> None:
    """Every member's robot runtime, work items and staff hours in the period."""
    entries = []
    for member in Organisation.objects.filter(slug__startswith="medlem-"):
        for kind, quantity, amount in (
            (UsageEntry.Kind.RUNTIME, Decimal(61 + member.pk), None),
            (UsageEntry.Kind.RUNTIME, Decimal("0.5"), None),
            (UsageEntry.Kind.WORK_ITEMS, Decimal(3), None),
            (UsageEntry.Kind.STAFF_HOURS, Decimal("1.5"), 120_000),
        ):
            entries.append(
                UsageEntry(
                    source=f"test:{period.label}:{member.pk}:{len(entries)}",
                    period=period,
                    organisation=member,
                    kind=kind,
                    occurred_on=period.month,
                    quantity=quantity,
                    unit_price=Decimal(800) if amount else None,
                    amount_ore=amount,
                )
            )
    UsageEntry.objects.bulk_create(entries)


def _close_queries(month: date, members: int) -> int:
    period = services.get_period(month)
    _usage(period)
    for name, key in (("Løn", KeyKind.EQUAL), ("Drift", KeyKind.POPULATION)):
        services.create_cost_pool(period=period, name=name, amount_ore=1_000_000, key=key)
    services.create_cost_pool(period=period, name="Servere", amount_ore=500_000, key=KeyKind.USAGE)
    with CaptureQueriesContext(connection) as queries:
        services.close_period(period)
    invoices = period.invoices.prefetch_related("lines")
    assert invoices.count() == members
    # Usage, staff hours and three pool lines on every invoice, all written.
    assert {len(invoice.lines.all()) for invoice in invoices} == {6}
    return len(queries)


def test_the_close_makes_as_many_queries_for_9_members_as_for_3(office, rate_card):
    _members(0, 3)
    with_three = _close_queries(date(2025, 1, 1), 3)
    _members(3, 6)
    with_nine = _close_queries(date(2025, 2, 1), 9)
    assert with_nine == with_three


def test_started_minutes_are_rounded_up_when_a_job_is_booked(office):
    member = Organisation.objects.create(
        name="Medlem", slug="medlem", schema_name="org_medlem", cvr="29189846"
    )
    period = services.get_period(MARCH)
    for seconds in ("0", "0.001", "60", "60.001", "3600"):
        UsageEntry.objects.create(
            source=f"job:{seconds}",
            period=period,
            organisation=member,
            kind=UsageEntry.Kind.RUNTIME,
            occurred_on=MARCH,
            quantity=Decimal(seconds),
        )
    UsageEntry.objects.create(
        source="items",
        period=period,
        organisation=member,
        kind=UsageEntry.Kind.WORK_ITEMS,
        occurred_on=MARCH,
        quantity=Decimal(90),
    )
    minutes = dict(UsageEntry.objects.values_list("source", "started_minutes"))
    assert minutes == {
        "job:0": 0,
        "job:0.001": 1,
        "job:60": 1,
        "job:60.001": 2,
        "job:3600": 60,
        "items": None,
    }


def test_seconds_summed_and_graduated_tiers(office):
    services.create_rate_card(
        name="Sekunder",
        valid_from=date(2030, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800.00"),
        work_item_price=Decimal("0.50"),
        runtime_rounding=RateCard.Rounding.SUMMED_SECONDS,
        robot_minute_tiers=[{"up_to": 1, "price": "2.00"}, {"up_to": None, "price": "1.00"}],
    )
    member = Organisation.objects.create(
        name="Medlem", slug="medlem", schema_name="org_medlem", cvr="29189846"
    )
    period = services.get_period(date(2030, 1, 1))
    for source, kind, quantity in (
        ("job:1", UsageEntry.Kind.RUNTIME, Decimal("30")),
        ("job:2", UsageEntry.Kind.RUNTIME, Decimal("45")),
        ("items", UsageEntry.Kind.WORK_ITEMS, Decimal("3")),
    ):
        UsageEntry.objects.create(
            source=source,
            period=period,
            organisation=member,
            kind=kind,
            occurred_on=period.month,
            quantity=quantity,
        )
    services.close_period(period)
    invoice = period.invoices.get(organisation=member)
    lines = [(line.description, line.amount_ore) for line in invoice.lines.all()]
    # 75 seconds = 1,25 minutes: the first minute at 2,00 kr, the quarter above at 1,00 kr.
    assert lines[:2] == [
        ("Robotkørsel, trin 0–1 min: 1,00 min × 2,00 kr (sekunder summeret)", 200),
        ("Robotkørsel, trin over 1 min: 0,25 min × 1,00 kr (sekunder summeret)", 25),
    ]
    assert lines[2][1] == 150  # 3 work items × 0,50 kr
    assert invoice.subtotal_ore == 375


def test_pool_line_texts_keep_backslashes_tabs_and_newlines(office, rate_card):
    _members(0, 2)
    period = services.get_period(date(2025, 1, 1))
    name = "Drift\\IT\t2025\nC:\\r"
    services.create_cost_pool(period=period, name=name, amount_ore=1_001, key=KeyKind.EQUAL)
    services.close_period(period)
    lines = InvoiceLine.objects.filter(invoice__period=period).order_by("amount_ore")
    assert [(line.description, line.unit_price, line.amount_ore) for line in lines] == [
        (f"{name}: 10,01 kr × 50,00 % (lige andele, 1 af 2)", Decimal("5.0000"), 500),
        (f"{name}: 10,01 kr × 50,00 % (lige andele, 1 af 2)", Decimal("5.0100"), 501),
    ]
