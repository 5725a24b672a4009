"""Reads for billing. Every query here is one query whatever the number of members."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from billing.keys import PeriodMember
from billing.models import Adjustment, Invoice, Period, RateCard, UsageEntry
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
    booked = Q(usage_entries__period=period) | Q(
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
        .select_related("billing_term")
        .distinct()
        .order_by("pk")
    )
    members = []
    for organisation in organisations:
        days = period.days
        term = getattr(organisation, "billing_term", None)
        if term is not None:
            first = max(term.joined_on, period.month)
            last = min(term.left_on or period.last_day, period.last_day)
            days = max(0, (last - first).days + 1)
        elif not organisation.is_active:
            days = 0
        members.append(PeriodMember(organisation.pk, organisation.name, organisation.kind, days))
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
