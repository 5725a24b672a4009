"""Reads for billing. Every query here is one query whatever the number of members."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from billing.keys import PeriodMember
from billing.models import (
    Adjustment,
    CostPool,
    Invoice,
    InvoiceLine,
    Period,
    RateCard,
    TimeEntry,
    UsageEntry,
)
from billing.months import add_months
from tenants.models import KeyFigure, Organisation


def rate_card_on(day: date) -> RateCard | None:
    return (
        RateCard.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .prefetch_related("robot_prices")
        .first()
    )


def period_members(period: Period) -> list[PeriodMember]:
    """Who is billed in the period: members by their term (or, without a term, every active
    member), plus anyone with usage or adjustments booked in it. ``days`` is the number of
    days of the period the organisation was a member (0 if it only has usage to pay)."""
    # EXISTS, not a join: a join with the ledger and DISTINCT would read every usage row.
    booked = Exists(UsageEntry.objects.filter(period=period, organisation=OuterRef("pk"))) | Q(
        pk__in=Adjustment.objects.filter(period=period).values("organisation")
    )
    organisations = (
        Organisation.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
        .filter(
            Q(billing_term__isnull=True, is_active=True)
            | Q(billing_term__joined_on__lte=period.last_day)
            & (Q(billing_term__left_on__isnull=True) | Q(billing_term__left_on__gte=period.month))
            | booked
        )
        .order_by("pk")
        .values_list(
            "pk",
            "name",
            "kind",
            "is_active",
            "billing_term__pk",
            "billing_term__joined_on",
            "billing_term__left_on",
        )
    )
    members = []
    for pk, name, kind, is_active, term, joined_on, left_on in organisations:
        days = period.days
        if term is not None:
            first = max(joined_on, period.month)
            last = min(left_on or period.last_day, period.last_day)
            days = max(0, (last - first).days + 1)
        elif not is_active:
            days = 0
        members.append(PeriodMember(pk, name, kind, days))
    return members


def key_figures_as_of(organisation_ids, day: date) -> dict[tuple[int, str], Decimal]:
    """Each organisation's latest figure of each kind valid on ``day`` (one query)."""
    figures = (
        KeyFigure.objects.filter(organisation_id__in=organisation_ids, valid_from__lte=day)
        .order_by("organisation_id", "kind", "-valid_from")
        .distinct("organisation_id", "kind")
        .values_list("organisation_id", "kind", "value")
    )
    return {(organisation_id, kind): value for organisation_id, kind, value in figures}


def usage_so_far(organisation: Organisation, period: Period):
    """The member's ledger entries booked in the period (its "so far this month")."""
    return UsageEntry.objects.filter(period=period, organisation=organisation).select_related(
        "deployment"
    )


def invoices_of(period: Period):
    return (
        Invoice.objects.filter(period=period)
        .select_related("organisation", "credits")
        .prefetch_related("lines")
        .order_by("number", "organisation__name")
    )


def periods():
    return Period.objects.annotate(
        invoice_count=Count("invoices", filter=Q(invoices__kind=Invoice.Kind.INVOICE)),
        pool_count=Count("pools", distinct=True),
    ).order_by("-month")


def current_period() -> Period | None:
    """The period of this month, if anything has been booked or planned in it."""
    return Period.objects.filter(month=timezone.localdate().replace(day=1)).first()


def rate_cards():
    return RateCard.objects.prefetch_related("robot_prices__robot").order_by("-valid_from")


def pools_of(period: Period):
    return (
        CostPool.objects.filter(period=period)
        .select_related("period")
        .prefetch_related("limit_to_members")
        .order_by("pk")
    )


def key_figures():
    return KeyFigure.objects.select_related("organisation").order_by(
        "organisation__name", "kind", "-valid_from"
    )


def time_entries():
    return TimeEntry.objects.select_related(
        "staff", "organisation", "order__organisation", "idea", "approved_by"
    ).order_by("-work_date", "-pk")


def billable_members():
    return Organisation.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).order_by("name")


def invoices_for(site: Organisation):
    """The office sees every invoice (drafts too); a member its own numbered ones."""
    invoices = Invoice.objects.select_related("organisation", "period", "credits")
    if not site.is_office:
        invoices = invoices.filter(organisation=site, number__isnull=False)
    return invoices.prefetch_related("lines").order_by("-period__month", "number", "pk")


def usage_for(site: Organisation):
    """What is booked so far in this month's period: a member's own, or everyone's."""
    period = current_period()
    if period is None:
        return UsageEntry.objects.none()
    entries = UsageEntry.objects.filter(period=period).select_related(
        "deployment", "organisation", "period"
    )
    if not site.is_office:
        entries = entries.filter(organisation=site)
    return entries.order_by("occurred_on", "pk")


def usage_summary(entries) -> list[dict]:
    """The entries summed per kind (quantity, and the amount where already priced)."""
    labels = dict(UsageEntry.Kind.choices)
    rows = (
        entries.order_by()
        .values("kind")
        .annotate(quantity=Sum("quantity"), amount_ore=Sum("amount_ore"), count=Count("pk"))
        .order_by("kind")
    )
    return [{**row, "label": labels.get(row["kind"], row["kind"])} for row in rows]


def cost_history(organisation: Organisation) -> dict:
    """The member's invoiced cost per month (credit notes subtracted) and per robot
    (deployment) per month, from its numbered invoices, oldest month first."""
    invoices = (
        Invoice.objects.filter(organisation=organisation, number__isnull=False)
        .values("period__month", "kind")
        .annotate(total=Sum("total_ore"))
    )
    per_month: dict[date, int] = {}
    for row in invoices:
        sign = -1 if row["kind"] == Invoice.Kind.CREDIT_NOTE else 1
        month = row["period__month"]
        per_month[month] = per_month.get(month, 0) + sign * row["total"]
    robot_rows = (
        InvoiceLine.objects.filter(
            invoice__organisation=organisation,
            invoice__number__isnull=False,
            invoice__kind=Invoice.Kind.INVOICE,
            kind=InvoiceLine.Kind.ROBOT_USAGE,
        )
        .values("invoice__period__month", "deployment__name")
        .annotate(amount=Sum("amount_ore"))
    )
    per_robot: dict[str, dict[date, int]] = {}
    for row in robot_rows:
        name = row["deployment__name"] or "–"
        per_robot.setdefault(name, {})[row["invoice__period__month"]] = row["amount"]
    months = sorted(per_month)
    return {
        "months": months,
        "totals": [per_month[month] for month in months],
        "robots": {
            name: [amounts.get(month, 0) for month in months]
            for name, amounts in sorted(per_robot.items())
        },
    }


# --- Credit notes -------------------------------------------------------------------------


def credit_notes():
    """Every credit note, newest first, with the invoice it credits."""
    return (
        Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE)
        .select_related("organisation", "period", "credits__period")
        .order_by("-number")
    )


def invoice_to_credit(pk: int) -> Invoice:
    """An invoice (not a credit note) with its member, period, lines and credit notes."""
    return (
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE)
        .select_related("organisation", "period")
        .prefetch_related("lines", "credit_notes__lines")
        .get(pk=pk)
    )


def credited_lines(invoice: Invoice) -> dict[int, int]:
    """The positions of the invoice's lines already credited: position → credit note number
    (a credit note's lines keep the positions of the lines they credit)."""
    return {
        line.position: note.number
        for note in invoice.credit_notes.all()
        for line in note.lines.all()
    }


def next_open_month(month: date) -> date:
    """The first month after ``month`` whose period is not closed: where a correction of
    ``month`` is booked (read only; the service opens the period)."""
    final = set(
        Period.objects.filter(month__gt=month, status__in=Period.FINAL).values_list(
            "month", flat=True
        )
    )
    following = add_months(month, 1)
    while following in final:
        following = add_months(following, 1)
    return following
