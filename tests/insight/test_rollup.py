"""The rollups: hand-computed value, runs and bills per deployment and member."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command

from billing import services as billing
from billing.months import add_months, current_month
from insight import selectors, services, tasks
from insight.models import CostBasis, MinutesBasis, MonthlyCost, MonthlyValue
from robots.models import Job
from robots.workitems.models import WorkItem
from tests.insight.conftest import at, close, closed_bill, items, run

OCT = date(2026, 10, 1)
NOV = date(2026, 11, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def robot_12(make_robot, in_production):
    """A catalog robot estimated to save 12 minutes per work item."""
    robot = make_robot(estimated_minutes_saved=Decimal("12"))
    return in_production(robot)


def test_a_month_of_work_is_counted_and_valued_by_hand(aarhus, make_deployment, robot_12):
    deployment = make_deployment(aarhus, robot_version=robot_12)
    items(deployment, at(2026, 10, 3), 10)
    items(deployment, at(2026, 10, 4), 2, WorkItem.Status.BUSINESS_EXCEPTION)
    items(deployment, at(2026, 10, 5), 1, WorkItem.Status.RESOLVED)
    items(deployment, at(2026, 11, 1, 0), 4)  # Danish November (still 31 October in UTC)
    run(deployment, at(2026, 10, 3), 600)
    run(deployment, at(2026, 10, 4), 1200)
    run(deployment, at(2026, 10, 5), 300, Job.Status.FAILED)

    result = services.refresh_rollups([OCT, NOV])

    assert result == {"months": 2, "values": 2, "costs": 0}
    october = MonthlyValue.objects.get(month=OCT)
    assert (october.items_done, october.items_handed_back) == (10, 3)
    assert (october.runs, october.runs_succeeded, october.runtime_seconds) == (3, 2, 2100)
    assert october.minutes_per_item == Decimal("12")
    assert october.minutes_basis == MinutesBasis.CATALOG
    assert MonthlyValue.objects.get(month=NOV).items_done == 4

    insight = selectors.member_insight(aarhus, selectors.Span(OCT, OCT))
    total = insight.total
    # 10 items × 12 min = 120 min = 2,0 h; × 450 kr = 900,00 kr.
    assert total.hours_saved == Decimal("2.0")
    assert total.value_ore == 90_000
    assert total.success_rate == Decimal("66.7")
    assert total.manual_share == Decimal("23.1")  # 3 of 13
    assert total.runtime_hours == Decimal("0.6")
    # One month's norm: 1.924 h / 12 = 160,33 h; 2 h of it is 0,01 FTE.
    assert total.fte == Decimal("0.01")


def test_refreshing_again_gives_the_same_rows(aarhus, make_deployment, robot_12):
    deployment = make_deployment(aarhus, robot_version=robot_12)
    items(deployment, at(2026, 10, 3), 5)
    services.refresh_rollups([OCT])
    services.refresh_rollups([OCT])
    assert MonthlyValue.objects.get().items_done == 5


def test_a_deployment_estimate_overrides_the_catalog_and_a_missing_one_saves_nothing(
    aarhus, make_deployment, robot_12, make_robot, in_production
):
    own = make_deployment(aarhus, robot_version=robot_12, name="Egen")
    services.set_minutes_saved(own, Decimal("30"))
    unknown = make_deployment(aarhus, robot_version=in_production(make_robot()), name="Ukendt")
    items(own, at(2026, 10, 3), 4)
    items(unknown, at(2026, 10, 3), 7)
    services.set_hourly_rate(aarhus, Decimal("600"))

    services.refresh_rollups([OCT])

    insight = selectors.member_insight(aarhus, selectors.Span(OCT, OCT))
    rows = {row.name: row for row in insight.rows}
    assert rows["Egen"].minutes_basis == MinutesBasis.DEPLOYMENT
    # 4 × 30 min = 2 h × 600 kr = 1.200,00 kr.
    assert rows["Egen"].figures.value_ore == 120_000
    assert rows["Ukendt"].minutes_basis == MinutesBasis.MISSING
    assert rows["Ukendt"].figures.value_ore == 0
    assert insight.total.items_without_estimate == 7
    assert insight.missing_estimates == ["Ukendt"]


def test_a_deployment_moved_to_another_version_keeps_its_history(
    aarhus, make_deployment, robot_12, in_production
):
    deployment = make_deployment(aarhus, robot_version=robot_12)
    items(deployment, at(2026, 10, 3), 3)
    deployment.robot_version = in_production(robot_12.robot)
    deployment.save()
    items(deployment, at(2026, 10, 20), 2)

    services.refresh_rollups([OCT])

    row = MonthlyValue.objects.get()
    assert row.items_done == 5 and row.robot_id == robot_12.robot_id
    assert row.minutes_per_item == Decimal("12")


def test_a_closed_month_is_the_invoices_less_credit_notes(aarhus, make_deployment, robot_12):
    deployment = make_deployment(aarhus, robot_version=robot_12)
    period = closed_bill(
        aarhus,
        OCT,
        {"robot_usage": 12_000, "deployment_fee": 100_000, "pool_share": 250_000},
        deployment=deployment,
        vat=90_500,
    )
    close(period)

    services.refresh_rollups([OCT])

    bill = MonthlyCost.objects.get()
    assert (bill.usage_ore, bill.fee_ore, bill.pool_ore, bill.vat_ore) == (
        12_000,
        100_000,
        250_000,
        90_500,
    )
    assert bill.total_ore == 452_500 and not bill.preliminary and bill.basis == CostBasis.INVOICE
    # The deployment's own cost is its lines: usage and fee.
    assert MonthlyValue.objects.get().cost_ore == 112_000
    insight = selectors.member_insight(aarhus, selectors.Span(OCT, OCT))
    assert insight.total.cost_ore == 452_500
    assert insight.total.net_ore == -452_500
    assert insight.payback is None


def test_an_open_month_is_preliminary_from_the_draft_invoice(
    aarhus, make_deployment, robot_12, rate_card
):
    deployment = make_deployment(aarhus, robot_version=robot_12)
    run(deployment, at(2026, 11, 3), 600)
    period = billing.get_period(NOV)
    billing.record_jobs_usage(period)

    services.refresh_rollups([NOV])

    bill = MonthlyCost.objects.get(organisation=aarhus)
    # 10 minutes × 2,00 kr = 20,00 kr, 25 % VAT on top.
    assert bill.usage_ore == 2_000 and bill.vat_ore == 500 and bill.total_ore == 2_500
    assert bill.preliminary and bill.basis == CostBasis.DRAFT
    insight = selectors.member_insight(aarhus, selectors.Span(NOV, NOV))
    assert insight.preliminary_months == ["2026-11"]


def test_a_member_without_runs_has_empty_figures(aarhus):
    services.refresh_rollups([OCT])
    insight = selectors.member_insight(aarhus, selectors.Span(OCT, OCT))
    assert not insight.has_data
    assert insight.total.value_ore == 0 and insight.total.success_rate is None
    assert insight.total.manual_share is None and insight.payback is None


def test_payback_is_the_month_accumulated_value_covers_accumulated_cost(
    aarhus, make_deployment, robot_12
):
    deployment = make_deployment(aarhus, robot_version=robot_12)
    # September costs 1.000 kr, and each month saves 50 items × 12 min = 10 h = 4.500 kr.
    close(closed_bill(aarhus, date(2026, 9, 1), {"staff_hours": 1_000_000}))
    items(deployment, at(2026, 9, 10), 50)
    items(deployment, at(2026, 10, 10), 50)
    items(deployment, at(2026, 11, 10), 50)
    services.refresh_rollups([date(2026, 9, 1), OCT, NOV])

    insight = selectors.member_insight(aarhus, selectors.Span(date(2026, 9, 1), NOV))
    # Accumulated value 4.500 / 9.000 / 13.500 kr against cost 10.000 kr: the third month.
    assert [m.figures.value_ore for m in insight.monthly] == [450_000] * 3
    assert insight.payback == 3
    assert insight.total.net_ore == 1_350_000 - 1_000_000


def test_the_beat_refreshes_this_month_the_last_and_months_closed_since(
    aarhus, make_deployment, robot_12
):
    assert settings.CELERY_BEAT_SCHEDULE["refresh-value-rollups"]["task"] == (
        "insight.tasks.refresh_rollups"
    )
    this = current_month()
    deployment = make_deployment(aarhus, robot_version=robot_12)
    items(deployment, at(this.year, this.month, 1, 1), 2)
    assert tasks.refresh_rollups()["months"] == 1  # the first time: everything there is
    assert services.default_months() == [add_months(this, -1), this]
    # A month closed after the last refresh is refreshed too.
    old = add_months(this, -5)
    period = closed_bill(aarhus, old, {"pool_share": 1_000})
    close(period)
    assert old in services.default_months()
    call_command("refresh_insight", "--all")
    assert MonthlyCost.objects.get(month=old).total_ore == 1_000
    assert MonthlyValue.objects.get(month=this).items_done == 2
