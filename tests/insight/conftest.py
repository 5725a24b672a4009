from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from billing.models import FinancingModel, Invoice, InvoiceLine, Period
from robots.models import Job
from robots.workitems.models import WorkItem, WorkQueue

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def at(year, month, day, hour=12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CPH)


def run(deployment, finished: datetime, seconds: int, status=Job.Status.SUCCEEDED) -> Job:
    return Job.objects.create(
        deployment=deployment,
        organisation=deployment.organisation,
        status=status,
        trigger=Job.Trigger.MANUAL,
        started_at=finished - timedelta(seconds=seconds),
        finished_at=finished,
    )


def items(deployment, finished: datetime, count: int, status=WorkItem.Status.DONE) -> None:
    """``count`` items of the deployment's queue (made on first use) finished then."""
    with schema_context(deployment.organisation.schema_name):
        queue, _ = WorkQueue.objects.get_or_create(
            name=f"Kø {deployment.pk}", defaults={"deployment_id": deployment.pk}
        )
        WorkItem.objects.bulk_create(
            WorkItem(queue=queue, status=status, created_at=finished, finished_at=finished)
            for _ in range(count)
        )


def closed_bill(organisation, month: date, lines: dict[str, int], *, deployment=None, vat=0):
    """A numbered invoice of the closed month with one line per kind (øre); robot usage and
    deployment fee lines name ``deployment``."""
    period = Period.objects.filter(month=month).first() or Period.objects.create(
        month=month, financing_model=FinancingModel.USAGE_PLUS_SPLIT
    )
    subtotal = sum(lines.values())
    invoice = Invoice.objects.create(
        period=period,
        organisation=organisation,
        vat_status="standard" if vat else "exempt",
        vat_rate=Decimal("0.25") if vat else Decimal(0),
        subtotal_ore=subtotal,
        vat_ore=vat,
        total_ore=subtotal + vat,
    )
    for position, (kind, amount) in enumerate(lines.items(), start=1):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            kind=kind,
            description=kind,
            quantity=1,
            unit="stk",
            unit_price=Decimal(amount) / 100,
            amount_ore=amount,
            deployment=deployment if kind in ("robot_usage", "deployment_fee") else None,
        )
    number = (Invoice.objects.exclude(number=None).order_by("-number").first() or invoice).number
    Invoice.objects.filter(pk=invoice.pk).update(number=(number or 0) + 1, issued_on=month)
    return period


def close(period: Period) -> None:
    Period.objects.filter(pk=period.pk).update(
        status=Period.Status.CLOSED, closed_at=timezone.now()
    )
