"""Closing a billing period: the raw SQL ``GROUP BY`` over the period's ledger vs our close
(``billing.services.close_period``: compute every member's invoice, write and number them).
The raw aggregate reads every ledger row of the period; the close reads the ledger's running
totals per member, deployment and robot (``UsageTotal``, which the database keeps as entries
are booked) and the few entries priced when booked. What keeping the totals costs is paid
when booking: the report shows the booking of the rows with and without it.

The members are plain Organisation rows without schemas (the close reads only the public
schema), the ledger rows are made by ``INSERT … SELECT generate_series``. The ledger is
append-only (a trigger refuses deletes), so everything runs in one transaction that is
rolled back at the end: nothing is left behind, and no audit event is written.
"""

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from billing import selectors, services
from billing.models import CostPool, FinancingModel, Invoice, KeyKind, Period, RateCard
from tenants.models import KeyFigure, Organisation

SLUG_PREFIX = "benchclose-"
# Long ago, so that no real period or rate card is in the way.
MONTH = date(1990, 1, 1)
# Pool keys in turn (fixed percentages need every member listed, so they are left out).
KEYS = (KeyKind.EQUAL, KeyKind.POPULATION, KeyKind.HOUSING_UNITS, KeyKind.EMPLOYEES)
KEYS += (KeyKind.USAGE, KeyKind.BANDED)
BANDS = [{"up_to": 50000, "factor": "1"}, {"up_to": None, "factor": "0.5"}]


@dataclass
class Result:
    organisations: int
    usage_rows: int
    pools: int
    invoices: int
    raw_seconds: float
    close_seconds: float
    rounds: int
    booking_seconds: float
    booking_without_totals_seconds: float

    @property
    def ratio(self) -> float:
        return self.close_seconds / self.raw_seconds


class _RollBack(Exception):
    """Raised to roll the benchmark's transaction back once it is measured."""


def _organisations(count: int) -> list[Organisation]:
    made = Organisation.objects.bulk_create(
        Organisation(
            name=f"Benchmark Kommune {index}",
            slug=f"{SLUG_PREFIX}{index}",
            schema_name=f"org_benchclose_{index}",
            kind=Organisation.Kind.MUNICIPALITY,
            cvr="29189846",
        )
        for index in range(count)
    )
    KeyFigure.objects.bulk_create(
        KeyFigure(
            organisation=organisation,
            kind=kind,
            value=Decimal(1000 + (index * 7919) % 90000),
            valid_from=date(1989, 1, 1),
        )
        for index, organisation in enumerate(made)
        for kind in KeyFigure.Kind.values
    )
    return made


def _pools(period: Period, organisations: list[Organisation], count: int) -> None:
    for index in range(count):
        key = KEYS[index % len(KEYS)]
        pool = CostPool.objects.create(
            period=period,
            name=f"Pulje {index + 1}",
            amount_ore=10_000_000 + index * 123_457,
            key=key,
            key_params={"figure": "population", "bands": BANDS} if key == KeyKind.BANDED else {},
        )
        # Limited to the benchmark's members, so other members in the database (without
        # key figures) do not keep the close from splitting the pools.
        pool.limit_to_members.set(organisations)


def _usage(
    period: Period, organisations: list[Organisation], rows: int, *, totals: bool = True
) -> float:
    """Mostly robot runtime, a fifth work items and every thousandth row staff hours, in one
    statement; returns the seconds it took. ``totals=False``: without the trigger keeping
    the running totals, to show what it costs (the caller rolls back to a savepoint, which
    undoes the rows and the disabling, and releases the table's lock)."""
    first = organisations[0].pk
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if not totals:
            cursor.execute("ALTER TABLE billing_usageentry DISABLE TRIGGER billing_usagetotal_add")
        cursor.execute(
            """
            INSERT INTO billing_usageentry (source, period_id, organisation_id, kind,
                occurred_on, quantity, unit_price, amount_ore, description, recorded_at)
            SELECT %(prefix)s || i, %(period)s, %(first)s + i %% %(count)s, kind,
                %(month)s::date + i %% 28,
                CASE kind WHEN 'runtime' THEN 1 + i %% 600 WHEN 'work_items' THEN 1 + i %% 5
                    ELSE 1.5 END,
                CASE WHEN kind = 'staff_hours' THEN 450 END,
                CASE WHEN kind = 'staff_hours' THEN 67500 END,
                CASE WHEN kind = 'staff_hours' THEN 'Konsulenttimer' ELSE '' END,
                now()
            FROM generate_series(1, %(rows)s) AS i,
                LATERAL (SELECT CASE WHEN i %% 1000 = 0 THEN 'staff_hours'
                    WHEN i %% 5 = 0 THEN 'work_items' ELSE 'runtime' END AS kind) AS k
            """,
            {
                "prefix": SLUG_PREFIX,
                "period": period.pk,
                "first": first,
                "count": len(organisations),
                "month": MONTH,
                "rows": rows,
            },
        )
        booked = time.perf_counter() - started
        cursor.execute("ANALYZE billing_usageentry")
    return booked


def _raw_group_by(period: Period) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT organisation_id, kind, sum(quantity) FROM billing_usageentry"
            " WHERE period_id = %s GROUP BY organisation_id, kind",
            [period.pk],
        )
        cursor.fetchall()
    return time.perf_counter() - started


def run(
    organisations: int = 1000, usage_rows: int = 2_000_000, pools: int = 20, rounds: int = 3
) -> Result:
    """Each round measures the raw aggregate, then our close (rolled back to a savepoint
    after it is counted); each side's best round is reported, so a moment of load on a
    shared machine distorts neither."""
    raw_times, close_times = [], []
    try:
        with transaction.atomic():
            members = _organisations(organisations)
            period = Period.objects.create(
                month=MONTH, financing_model=FinancingModel.USAGE_PLUS_SPLIT
            )
            if selectors.rate_card_on(MONTH) is None:
                RateCard.objects.create(
                    name="Benchmark",
                    valid_from=MONTH,
                    valid_to=period.last_day,
                    robot_minute_price=Decimal("1.25"),
                    staff_hour_price=Decimal("450"),
                    work_item_price=Decimal("2.50"),
                )
            _pools(period, members, pools)
            savepoint = transaction.savepoint()
            booking_without_totals = _usage(period, members, usage_rows, totals=False)
            transaction.savepoint_rollback(savepoint)
            booking = _usage(period, members, usage_rows)
            _raw_group_by(period)  # warm up: both ways then read the rows from memory
            for _round in range(rounds):
                raw_times.append(_raw_group_by(period))
                savepoint = transaction.savepoint()
                started = time.perf_counter()
                services.close_period(period)
                close_times.append(time.perf_counter() - started)
                invoices = Invoice.objects.filter(period=period, number__isnull=False).count()
                transaction.savepoint_rollback(savepoint)
            raise _RollBack
    except _RollBack:
        pass
    return Result(
        organisations,
        usage_rows,
        pools,
        invoices,
        min(raw_times),
        min(close_times),
        rounds,
        booking,
        booking_without_totals,
    )


def report(result: Result) -> str:
    return "\n".join(
        [
            f"Closing a period ({result.organisations} members, {result.usage_rows:,} usage rows,"
            f" {result.pools} pools; {result.invoices} invoices; best of {result.rounds} rounds)",
            f"  {'raw SQL GROUP BY (baseline)':<30}{result.raw_seconds * 1000:>10.1f} ms",
            f"  {'close_period (ours)':<30}{result.close_seconds * 1000:>10.1f} ms",
            f"  {'ratio close / raw':<30}{result.ratio:>10.1f} ×",
            f"  booking the {result.usage_rows:,} rows in one statement:"
            f" {result.booking_seconds:.1f} s keeping the running totals,"
            f" {result.booking_without_totals_seconds:.1f} s without",
        ]
    )
