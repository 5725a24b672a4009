from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from billing import services
from billing.models import Invoice, InvoiceLine
from robots.models import Job
from tenants.models import Organisation

CPH = ZoneInfo("Europe/Copenhagen")


def finished_job(deployment, started: datetime, seconds: int) -> Job:
    return Job.objects.create(
        deployment=deployment,
        organisation=deployment.organisation,
        status=Job.Status.SUCCEEDED,
        trigger=Job.Trigger.MANUAL,
        started_at=started,
        finished_at=started + timedelta(seconds=seconds),
    )


def invoices_and_pools(period, members, start):
    """``members`` organisations without schemas (rows only), each with a draft invoice of two
    lines, and a pool limited to them."""
    organisations = Organisation.objects.bulk_create(
        Organisation(
            name=f"Medlem {n}", slug=f"medlem-{n}", schema_name=f"medlem_{n}", kind="municipality"
        )
        for n in range(start, start + members)
    )
    invoices = Invoice.objects.bulk_create(
        Invoice(
            period=period,
            organisation=organisation,
            vat_status="standard",
            vat_rate=Decimal("0.25"),
            subtotal_ore=100,
            vat_ore=25,
            total_ore=125,
        )
        for organisation in organisations
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            kind="pool_share",
            description=f"Linje {position}",
            quantity=1,
            unit="stk",
            unit_price=Decimal("0.50"),
            amount_ore=50,
        )
        for invoice in invoices
        for position in (1, 2)
    )
    pool = services.create_cost_pool(
        period=period,
        name=f"Pulje {start}",
        amount_ore=1000,
        key="fixed",
        key_params={"percentages": {str(organisations[0].pk): "100"}},
        limit_to_members=organisations,
    )
    return pool
