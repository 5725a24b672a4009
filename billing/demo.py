"""Demo billing for `make run`: the partnership's rate card and this month's cost pools, one
for each kind of key, so the finance pages and each member's cost page have something to
show; Lejerbo joined the partnership in the middle of last month (so last month's pool lines
show the day factor), and once last month is closed, one of its invoice lines is credited.
Loaded once: when a rate card (a credit note) exists, nothing changes."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing import services
from billing.models import Invoice, InvoiceLine, KeyKind, RateCard
from billing.months import add_months, current_month
from tenants.models import KeyFigure, Organisation

KOMBIT_BANDS = {
    "figure": KeyFigure.Kind.POPULATION,
    "bands": [{"up_to": 150_000, "factor": "1"}, {"up_to": None, "factor": "0.5"}],
}
LICENCE_SHARES = {"aarhus": 25, "odense": 15, "aalborg": 15, "vejle": 10, "aab": 15}
LICENCE_SHARES |= {"fsb": 10, "lejerbo": 10}
# (name, amount in øre, key, key parameters, limited to kinds); every member has the figures
# its pools need, so the month can be previewed and closed at once.
# A month of a shared office of two to three people (the seeds' "fælles RPA-kontor").
POOLS = [
    ("Løn til robotkontoret", 16_000_000, KeyKind.EQUAL, {}, []),
    ("Licenser (RPA og ML)", 4_500_000, KeyKind.FIXED, None, []),
    ("Fælles infrastruktur", 2_500_000, KeyKind.BANDED, KOMBIT_BANDS, ["municipality"]),
    ("Boligsystem-integrationer", 1_000_000, KeyKind.HOUSING_UNITS, {}, ["housing"]),
]
# The member that joined in the middle of last month, on this day.
JOINED_MID_MONTH = ("lejerbo", 16)
CREDIT_REASON = "Kørsler under driftsforstyrrelse hos robotkontoret; halvdelen faktureres igen"


@transaction.atomic
def load() -> int:
    """Create the rate card and this month's pools; returns how many pools were new."""
    if RateCard.objects.exists():
        return 0
    services.create_rate_card(
        name="Takster 2026",
        valid_from=date(2026, 1, 1),
        robot_minute_price=Decimal("1.50"),
        staff_hour_price=Decimal("750.00"),
        work_item_price=Decimal("0.25"),
        deployment_monthly_fee_ore=150_000,
    )
    slug, day = JOINED_MID_MONTH
    services.set_member_term(
        organisation=Organisation.objects.get(slug=slug),
        joined_on=add_months(current_month(), -1).replace(day=day),
    )
    return add_pools(services.get_period(services.month_of(timezone.localdate())))


def add_pools(period) -> int:
    """The office's monthly cost pools in ``period`` (also the demo history's past months)."""
    shares = {
        str(organisation.pk): LICENCE_SHARES[organisation.slug]
        for organisation in Organisation.objects.filter(slug__in=LICENCE_SHARES)
    }
    for name, amount_ore, key, params, kinds in POOLS:
        services.create_cost_pool(
            period=period,
            name=name,
            amount_ore=amount_ore,
            key=key,
            key_params={"percentages": shares} if params is None else params,
            limit_to_kinds=kinds,
        )
    return len(POOLS)


@transaction.atomic
def add_credit_note() -> Invoice | None:
    """Credit Aarhus' first robot-usage line of last month (once it is closed), billing half
    of it again this month; None when there is nothing to credit or a credit note exists."""
    if Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists():
        return None
    line = (
        InvoiceLine.objects.filter(
            kind=InvoiceLine.Kind.ROBOT_USAGE,
            invoice__organisation__slug="aarhus",
            invoice__number__isnull=False,
            invoice__period__month=add_months(current_month(), -1),
        )
        .select_related("invoice")
        .order_by("position")
        .first()
    )
    if line is None:
        return None
    note, _adjustment = services.credit_invoice(
        line.invoice, reason=CREDIT_REASON, lines=[line.pk], rebill_ore=line.amount_ore // 2
    )
    return note
