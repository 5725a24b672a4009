"""Rate cards: the prices of a span of time."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from billing.models import (
    BillingSettings,
    Period,
    RateCard,
    RobotPrice,
)
from billing.money import parse_plain_number
from billing.services.periods import billing_settings
from core import audit


def _tier_number(value: Any, what: str) -> Decimal:
    try:
        return parse_plain_number(value)
    except ValueError:
        raise ValidationError(
            {
                "robot_minute_tiers": _("%(what)s “%(value)s” is not a number (write e.g. 0.80).")
                % {"what": what, "value": value}
            }
        ) from None


def _validate_tiers(tiers: Any) -> None:
    if not tiers:
        return

    def refuse(message: str):
        raise ValidationError({"robot_minute_tiers": message})

    if not isinstance(tiers, list) or not all(
        isinstance(tier, dict) and "up_to" in tier and "price" in tier for tier in tiers
    ):
        refuse(_("The tiers must be a list of objects with up_to and price."))
    if tiers[-1]["up_to"] is not None:
        refuse(_("The last tier must have no upper limit."))
    limits = [_tier_number(tier["up_to"], _("Tier limit")) for tier in tiers[:-1]]
    prices = [_tier_number(tier["price"], _("Tier price")) for tier in tiers]
    if limits != sorted(set(limits)) or any(limit <= 0 for limit in limits):
        refuse(_("Tier limits must be positive and increasing."))
    if any(price < 0 for price in prices):
        refuse(_("A tier's price cannot be negative."))


@transaction.atomic
def create_rate_card(*, robot_prices: dict[int, Decimal] | None = None, **fields: Any) -> RateCard:
    """A new rate card; refused if its validity overlaps another's (the database's exclusion
    constraint guards the same under concurrency)."""
    card = RateCard(**fields)
    # The overlap is checked below, under the lock, with a clearer message.
    card.full_clean(validate_constraints=False)
    _validate_tiers(card.robot_minute_tiers)
    # Serialise rate-card writers so the check below sees every committed card.
    BillingSettings.objects.select_for_update().get(pk=billing_settings().pk)
    overlapping = RateCard.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=card.valid_from)
    )
    if card.valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=card.valid_to)
    clash = overlapping.first()
    if clash is not None:
        raise ValidationError(
            _("The rate card overlaps %(other)s; end that card first.") % {"other": clash}
        )
    card.save()
    RobotPrice.objects.bulk_create(
        RobotPrice(rate_card=card, robot_id=robot_id, robot_minute_price=price)
        for robot_id, price in (robot_prices or {}).items()
    )
    return card


@transaction.atomic
def end_rate_card(card: RateCard, *, valid_to: date, actor) -> RateCard:
    """End an open-ended rate card on ``valid_to`` (inclusive), so that a new card can
    follow it. Refused for a card that already ends, before the card begins, or before the
    end of a month already closed with the card (its invoices cannot change)."""
    # The same lock as create_rate_card: a card created meanwhile is seen, and vice versa.
    BillingSettings.objects.select_for_update().get(pk=billing_settings().pk)
    card = RateCard.objects.select_for_update().get(pk=card.pk)
    if card.valid_to is not None:
        raise ValidationError(
            _("%(card)s already ends on %(day)s.")
            % {"card": card.name, "day": formats.date_format(card.valid_to, "SHORT_DATE_FORMAT")}
        )
    if valid_to < card.valid_from:
        raise ValidationError(
            {
                "valid_to": _("A rate card cannot end before it begins (%(day)s).")
                % {"day": formats.date_format(card.valid_from, "SHORT_DATE_FORMAT")}
            }
        )
    # A month is billed with the card valid on its first day.
    closed = Period.objects.filter(
        status__in=Period.FINAL, month__gte=max(card.valid_from, valid_to.replace(day=1))
    ).order_by("-month")
    billed = next((period for period in closed if period.last_day > valid_to), None)
    if billed is not None:
        raise ValidationError(
            {
                "valid_to": _(
                    "%(month)s is closed and was billed with this card: end it on %(day)s or later."
                )
                % {
                    "month": billed.label,
                    "day": formats.date_format(billed.last_day, "SHORT_DATE_FORMAT"),
                }
            }
        )
    card.valid_to = valid_to
    card.full_clean(validate_constraints=False)
    card.save(update_fields=["valid_to"])
    audit.record(
        actor=actor,
        action="billing.rate_card.ended",
        target=card,
        changes={"valid_to": [None, valid_to.isoformat()]},
    )
    return card
