"""The billing rules of docs/billing.md, checked against an independent calculation with
exact fractions (written here, not taken from the engine): the usage-share key of a
part-month member, runs just past a minute boundary, pool lines that explain their own
percentage, and invoice numbers without gaps."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing import services
from billing.allocation import allocate
from billing.exports import tables
from billing.exports.documents import documents_of
from billing.keys import PeriodMember, weigh
from billing.models import CostPool, Invoice, InvoiceLine, KeyKind, UsageEntry
from tenants.models import Organisation
from tests.billing.conftest import CPH
from tests.billing.test_example_partnership import (  # noqa: F401  (shared fixture)
    MARCH,
    make_pools,
    partnership,
)

# ruff: noqa: F811

SEPTEMBER = date(2025, 9, 1)  # 30 days


def largest_remainder(total: int, weights: dict[int, Fraction]) -> dict[int, int]:
    """The rule as docs/billing.md states it: each exact share floored to the øre, the øre
    left over one each to the largest remainders, ties to the member registered first."""
    weight_sum = sum(weights.values())
    exact = {key: Fraction(total) * weight / weight_sum for key, weight in weights.items()}
    shares = {key: value.numerator // value.denominator for key, value in exact.items()}
    leftover = total - sum(shares.values())
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - shares[key]), key))
    for key in by_remainder[:leftover]:
        shares[key] += 1
    return shares


def danish(text: str) -> Fraction:
    return Fraction(text.replace(".", "").replace(",", "."))


def rows_only(*names_and_terms):
    """Members as rows (no schemas): (name, joined_on or None)."""
    members = []
    for index, (name, joined_on) in enumerate(names_and_terms):
        member = Organisation.objects.create(
            name=name,
            slug=f"exact-{index}",
            schema_name=f"org_exact_{index}",
            cvr=f"3000{index:04d}",
        )
        if joined_on is not None:
            services.set_member_term(organisation=member, joined_on=joined_on)
        members.append(member)
    return members


def book_runtime(period, member, seconds: Decimal, source: str):
    UsageEntry.objects.create(
        source=source,
        period=period,
        organisation=member,
        kind=UsageEntry.Kind.RUNTIME,
        occurred_on=period.month,
        quantity=seconds,
    )


# --- 1. The usage-share key counts a part-month member's days once ------------------------


@pytest.mark.django_db
def test_usage_share_of_a_part_month_member_is_its_minutes_over_all_minutes(office, rate_card):
    # C joined on the 11th of a 30-day month: its 531 minutes cover only its 20 days.
    a, b, c = rows_only(("A", None), ("B", None), ("C", date(2025, 9, 11)))
    period = services.get_period(SEPTEMBER)
    minutes = {a.pk: 5_000, b.pk: 3_527, c.pk: 531}  # 9.058 in all
    for member in (a, b, c):
        book_runtime(period, member, Decimal(minutes[member.pk] * 60), f"job:{member.pk}")
    services.create_cost_pool(
        period=period, name="Servere", amount_ore=100_000_000, key=KeyKind.USAGE
    )
    services.close_period(period)

    expected = largest_remainder(100_000_000, {k: Fraction(v) for k, v in minutes.items()})
    lines = InvoiceLine.objects.filter(invoice__period=period, kind=InvoiceLine.Kind.POOL_SHARE)
    shares = {line.invoice.organisation_id: line.amount_ore for line in lines}
    assert shares == expected
    # 531 / 9.058 = 5,862 %: not 4,12 % (531 × 20 days of 9.058 minute-days).
    assert shares[c.pk] == 5_862_221
    text = lines.get(invoice__organisation=c).description
    assert text == "Servere: 1.000.000,00 kr × 5,86 % (robotminutter 531 af 9.058)"


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(
        [KeyKind.USAGE, KeyKind.EQUAL, KeyKind.POPULATION, KeyKind.FIXED, KeyKind.BANDED]
    ),
    rows=st.lists(
        st.tuples(
            st.integers(1, 30),  # days a member
            st.integers(0, 10**6),  # robot minutes (seconds/60 as a fraction below)
            st.integers(1, 500_000),  # population
            st.integers(1, 99),  # a fixed percentage
        ),
        min_size=1,
        max_size=8,
    ),
    total=st.integers(0, 10**11),
)
def test_each_key_splits_a_pool_exactly_as_the_rules_say(kind, rows, total):
    """No database: the engine's weights and split against the rules, computed here."""
    members = [
        PeriodMember(n + 1, f"M{n}", "municipality", days) for n, (days, *_) in enumerate(rows)
    ]
    minutes = {n + 1: Fraction(row[1], 7) for n, row in enumerate(rows)}
    population = {(n + 1, "population"): Decimal(row[2]) for n, row in enumerate(rows)}
    # Weights in proportion to the percentages (weigh does not check that they add up to
    # 100; the pool's form does).
    percentages = {str(n + 1): Decimal(row[3]) for n, row in enumerate(rows)}
    bands = [{"up_to": 150_000, "factor": "1"}, {"up_to": None, "factor": "0.5"}]
    params = {
        KeyKind.FIXED: {"percentages": {key: str(value) for key, value in percentages.items()}},
        KeyKind.BANDED: {"figure": "population", "bands": bands},
    }.get(kind, {})
    pool = CostPool(name="Pulje", amount_ore=total, key=kind, key_params=params)
    result = weigh(pool, members, period_days=30, figures=population, robot_minutes=minutes)

    def figure(member):
        if kind == KeyKind.USAGE:
            return minutes[member.organisation_id]  # no second pro-rata
        if kind == KeyKind.EQUAL:
            return Fraction(member.days)
        if kind == KeyKind.FIXED:
            return Fraction(percentages[str(member.organisation_id)]) * member.days
        value = Fraction(population[(member.organisation_id, "population")])
        if kind == KeyKind.BANDED:
            value = min(value, 150_000) + Fraction(max(value - 150_000, 0)) / 2
        return value * member.days

    weights = {member.organisation_id: figure(member) for member in members}
    if sum(weights.values()) == 0:
        return
    shares = allocate(total, result.weights)
    assert shares == largest_remainder(total, weights)
    assert sum(shares.values()) == total


# --- 2. Durations at full precision --------------------------------------------------------


@pytest.mark.django_db
def test_a_run_just_past_a_minute_boundary_is_two_started_minutes(
    aarhus, make_deployment, rate_card
):
    from robots.models import Job

    deployment = make_deployment(aarhus, name="Robot")
    started = datetime(2025, 9, 3, 8, tzinfo=CPH)
    for seconds, microseconds in ((60, 400), (60, 1), (60, 0), (119, 999_999)):
        Job.objects.create(
            deployment=deployment,
            organisation=aarhus,
            status=Job.Status.SUCCEEDED,
            trigger=Job.Trigger.MANUAL,
            started_at=started,
            finished_at=started + timedelta(seconds=seconds, microseconds=microseconds),
        )
    period = services.get_period(SEPTEMBER)
    services.record_jobs_usage(period)
    booked = sorted(
        UsageEntry.objects.filter(period=period).values_list("quantity", "started_minutes")
    )
    assert booked == [
        (Decimal("60.000000"), 1),
        (Decimal("60.000001"), 2),
        (Decimal("60.000400"), 2),
        (Decimal("119.999999"), 2),
    ]
    services.close_period(period)
    line = InvoiceLine.objects.get(invoice__period=period, kind=InvoiceLine.Kind.ROBOT_USAGE)
    assert line.amount_ore == 7 * 200  # 1 + 2 + 2 + 2 started minutes × 2,00 kr


# --- 3. Every pool line states the weight its percentage is computed from -----------------

WEIGHT = re.compile(r"\(.*?([\d.,]+) af ([\d.,]+)")


def recomputed(description: str) -> str:
    """What a calculator makes of the line: its weight ÷ its total, in percent (half-up)."""
    percent = description.split(" × ", 1)[1].split(" % (")[0]
    match = WEIGHT.search(description)
    if match is None:  # a fixed share of a full-month pool states the percentage itself
        return percent
    hundredths = danish(match.group(1)) / danish(match.group(2)) * 10_000
    value = int(hundredths + Fraction(1, 2))
    return f"{value // 100},{value % 100:02d}"


@pytest.mark.django_db
def test_every_pool_line_can_be_recomputed_from_its_own_text(partnership):
    period = services.get_period(MARCH)
    make_pools(period, *partnership)
    services.create_cost_pool(
        period=period, name="Servere", amount_ore=5_000_000, key=KeyKind.USAGE
    )
    services.close_period_with_progress(period, lambda *_: None)
    lines = InvoiceLine.objects.filter(invoice__period=period, kind=InvoiceLine.Kind.POOL_SHARE)
    assert lines.count() == 2 + 3 + 3 + 3
    for line in lines:
        percent = line.description.split(" × ", 1)[1].split(" % (")[0]
        assert recomputed(line.description) == percent, line.description
    by_text = {line.description for line in lines}
    # Drift: fixed 50 / 30 / 20 %, C a member 15 of 31 days: 1.550 + 930 + 300 = 2.780.
    assert (
        "Drift: 10.000,00 kr × 55,76 % (fast andel 50,00 %: 50 × 31 dage = 1.550 af 2.780)"
        in by_text
    )
    assert (
        "Drift: 10.000,00 kr × 10,79 % (fast andel 20,00 %: 20 × 15 dage = 300 af 2.780;"
        " medlem 15 af 31 dage)" in by_text
    )
    assert "Licenser: 90.000,00 kr × 40,26 % (lige andele, 1 × 31 dage = 31 af 77)" in by_text
    # The allocation table (CSV/XLSX) carries the same basis.
    basis = {row[5] for row in tables.allocation(period)[1:]}
    assert "fast andel 20,00 %: 20 × 15 dage = 300 af 2.780; medlem 15 af 31 dage" in basis


# --- 4. Invoice numbers without gaps -------------------------------------------------------


@pytest.mark.django_db
def test_only_invoices_that_are_sent_are_numbered_and_the_series_has_no_gaps(office, rate_card):
    a, b, idle = rows_only(("A", None), ("B", None), ("Uden forbrug", None))
    for month in (date(2025, 9, 1), date(2025, 10, 1)):
        period = services.get_period(month)
        book_runtime(period, a, Decimal(90), f"job:a:{month}")
        services.create_cost_pool(
            period=period,
            name="Drift",
            amount_ore=1_000,
            key=KeyKind.EQUAL,
            limit_to_members=[a, b],
        )
        services.preview_period(period)
        services.close_period(period)
        assert not period.invoices.filter(organisation=idle).exists()
    issued = Invoice.objects.filter(number__isnull=False)
    numbers = sorted(issued.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert len(numbers) == 4
    sent = [doc.pk for month in ("2025-09", "2025-10") for doc in documents_of(period_of(month))]
    assert sorted(sent) == sorted(issued.values_list("pk", flat=True))


def period_of(label: str):
    year, month = label.split("-")
    return services.get_period(date(int(year), int(month), 1))
