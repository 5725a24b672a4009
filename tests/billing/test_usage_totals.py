"""The ledger's running totals (``UsageTotal``), kept by the database as entries are booked,
always equal the ledger's own sums: whatever is booked, however it is batched into
statements, and with bookings committed at the same time."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from django.db import connection, transaction
from django.db.models import Q, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import services
from billing.models import UsageEntry, UsageTotal

pytestmark = pytest.mark.integration

MARCH, APRIL = date(2025, 3, 1), date(2025, 4, 1)
sources = count()


def ledger_sums() -> dict[tuple, tuple]:
    """The ledger summed per (period, member, deployment, robot) as the totals sum it."""
    rows = (
        UsageEntry.objects.filter(kind__in=["runtime", "work_items"])
        .values("period_id", "organisation_id", "deployment_id", "robot_id")
        .annotate(
            minutes=Sum("started_minutes"),
            seconds=Sum("quantity", filter=Q(kind="runtime")),
            items=Sum("quantity", filter=Q(kind="work_items")),
        )
    )
    return {
        (r["period_id"], r["organisation_id"], r["deployment_id"], r["robot_id"]): (
            r["minutes"],
            r["seconds"],
            r["items"],
        )
        for r in rows
    }


def totals() -> dict[tuple, tuple]:
    return {
        (t.period_id, t.organisation_id, t.deployment_id, t.robot_id): (
            t.started_minutes,
            t.runtime_seconds,
            t.work_items,
        )
        for t in UsageTotal.objects.all()
    }


@pytest.fixture
def ledger_parts(aarhus, odense, make_deployment):
    deployment = make_deployment(aarhus)
    return {
        "periods": [services.get_period(MARCH), services.get_period(APRIL)],
        "members": [aarhus, odense],
        "deployments": [None, deployment],
        "robots": [None, deployment.robot_version.robot],
    }


entry = st.fixed_dictionaries(
    {
        "period": st.integers(0, 1),
        "member": st.integers(0, 1),
        "deployment": st.integers(0, 1),
        "robot": st.integers(0, 1),
        "kind": st.sampled_from(["runtime", "work_items", "staff_hours", "deployment_fee"]),
        "quantity": st.decimals(min_value=0, max_value=100_000, places=3),
    }
)


def new_entry(parts, fields) -> UsageEntry:
    priced = fields["kind"] in UsageEntry.PRICED_WHEN_RECORDED
    return UsageEntry(
        source=f"test-{next(sources)}",
        period=parts["periods"][fields["period"]],
        organisation=parts["members"][fields["member"]],
        deployment=parts["deployments"][fields["deployment"]],
        robot=parts["robots"][fields["robot"]],
        kind=fields["kind"],
        occurred_on=parts["periods"][fields["period"]].month,
        quantity=fields["quantity"],
        amount_ore=1000 if priced else None,
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(statements=st.lists(st.lists(entry, min_size=1, max_size=8), min_size=1, max_size=6))
def test_the_totals_equal_the_ledgers_sums_however_entries_are_booked(ledger_parts, statements):
    with transaction.atomic():
        for batch in statements:
            # One INSERT statement per batch: the trigger adds each statement's entries.
            UsageEntry.objects.bulk_create(new_entry(ledger_parts, fields) for fields in batch)
        assert totals() == ledger_sums()
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
def test_bookings_committed_at_the_same_time_are_all_counted(ledger_parts):
    """Eight threads book runtime and work items into the same groups in many statements,
    each in its own transaction and connection."""
    start = threading.Barrier(8)

    def book(thread: int) -> None:
        try:
            start.wait()
            for round_ in range(10):
                with transaction.atomic():
                    UsageEntry.objects.bulk_create(
                        new_entry(
                            ledger_parts,
                            {
                                "period": 0,
                                "member": (thread + n) % 2,
                                "deployment": n % 2,
                                "robot": n % 2,
                                "kind": "runtime" if (round_ + n) % 2 else "work_items",
                                "quantity": Decimal(61 + thread),
                            },
                        )
                        for n in range(4)
                    )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        for booked in [pool.submit(book, n) for n in range(8)]:
            booked.result()  # re-raises what failed in the thread (a deadlock, say)
    assert UsageEntry.objects.count() == 8 * 10 * 4
    assert totals() == ledger_sums()
    assert sum(t.started_minutes or 0 for t in UsageTotal.objects.all()) == 8 * 10 * 2 * 2
