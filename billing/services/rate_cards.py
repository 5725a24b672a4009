"""Rate cards: the prices of a span of time."""

import itertools
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
from billing.money import format_number, parse_plain_number
from billing.services.periods import billing_settings
from catalog.models import Robot
from core import audit

# The fields of a card that hold prices; its validity changes only by ending it.
PRICE_FIELDS = (
    "name",
    "robot_minute_price",
    "staff_hour_price",
    "work_item_price",
    "deployment_monthly_fee_ore",
    "runtime_rounding",
    "robot_minute_tiers",
)


def _tier_number(value: Any, what: str) -> Decimal:
    try:
        number = parse_plain_number(value)
    except ValueError:
        number = None
    if number is None or not number.is_finite() or abs(number) >= MAX_TIER_NUMBER:
        raise ValidationError(
            {
                "robot_minute_tiers": _("%(what)s “%(value)s” is not a number (write e.g. 0.80).")
                % {"what": what, "value": value}
            }
        )
    return number


# Tier limits are minutes, tier prices kroner like the card's (12 digits, 4 decimals).
MAX_TIER_NUMBER = Decimal(10) ** 8


def clean_tiers(tiers: Any) -> list[dict]:
    """Graduated robot-minute tiers as stored: [{"up_to": "1000", "price": "1"}, …, {"up_to":
    None, "price": "0.8"}], limits positive and increasing (no tier overlaps another), the
    last without a limit, prices not negative. Empty: the flat price."""
    if tiers in (None, [], ""):
        return []

    def refuse(message: str):
        raise ValidationError({"robot_minute_tiers": message})

    if not isinstance(tiers, list) or not all(
        isinstance(tier, dict) and "up_to" in tier and "price" in tier for tier in tiers
    ):
        refuse(_("The tiers must be a list of objects with up_to and price."))
    if tiers[-1]["up_to"] is not None:
        refuse(_("The last tier must have no upper limit."))
    if any(tier["up_to"] is None for tier in tiers[:-1]):
        refuse(_("Only the last tier can be without an upper limit."))
    limits = [_tier_number(tier["up_to"], _("Tier limit")) for tier in tiers[:-1]]
    prices = [_tier_number(tier["price"], _("Tier price")) for tier in tiers]
    if any(limit <= 0 or limit != limit.to_integral_value() for limit in limits):
        refuse(_("A tier's upper limit must be a whole number of minutes, more than 0."))
    for previous, limit in itertools.pairwise(limits):
        if limit <= previous:
            refuse(
                _(
                    "The tiers overlap or are out of order: the tier up to %(limit)s minutes "
                    "comes after the one up to %(previous)s. Give the limits in increasing "
                    "order."
                )
                % {
                    "limit": format_number(limit, _places(limit)),
                    "previous": format_number(previous, _places(previous)),
                }
            )
    if any(price < 0 for price in prices):
        refuse(_("A tier's price cannot be negative."))
    return [
        {"up_to": None if limit is None else f"{limit.normalize():f}", "price": f"{price:f}"}
        for limit, price in zip([*limits, None], prices, strict=True)
    ]


def _places(number: Decimal) -> int:
    return max(0, -number.normalize().as_tuple().exponent)


def clean_robot_prices(robot_prices: Any) -> dict[int, Decimal]:
    """A card's own prices per catalog robot: robot id → price per minute, each robot once,
    no price negative, every robot in the catalog."""
    robot_prices = dict(robot_prices or {})

    def refuse(message: str):
        raise ValidationError({"robot_prices": message})

    known = set(Robot.objects.filter(pk__in=robot_prices).values_list("pk", flat=True))
    unknown = [str(robot_id) for robot_id in robot_prices if robot_id not in known]
    if unknown:
        refuse(_("No robot in the catalog has id %(ids)s.") % {"ids": ", ".join(unknown)})
    for price in robot_prices.values():
        if not isinstance(price, Decimal) or not price.is_finite() or price < 0:
            refuse(_("A robot's price per minute cannot be negative."))
        if abs(price) >= MAX_TIER_NUMBER:
            refuse(_("A robot's price per minute must be less than 100.000.000 kr."))
    return robot_prices


def _robot_price_map(card: RateCard) -> dict[str, str]:
    """The card's robot prices as the audit trail keeps them: robot slug → price."""
    return {
        price.robot.slug: f"{price.robot_minute_price.normalize():f}"
        for price in card.robot_prices.select_related("robot").order_by("robot__slug")
    }


def _snapshot(card: RateCard) -> dict:
    return {
        **{
            field: (
                f"{value.normalize():f}"
                if isinstance(value := getattr(card, field), Decimal)
                else value
            )
            for field in PRICE_FIELDS
        },
        "robot_prices": _robot_price_map(card),
    }


def _set_robot_prices(card: RateCard, robot_prices: dict[int, Decimal]) -> None:
    card.robot_prices.all().delete()
    RobotPrice.objects.bulk_create(
        RobotPrice(rate_card=card, robot_id=robot_id, robot_minute_price=price)
        for robot_id, price in robot_prices.items()
    )


@transaction.atomic
def create_rate_card(
    *, robot_prices: dict[int, Decimal] | None = None, actor=None, **fields: Any
) -> RateCard:
    """A new rate card; refused if its validity overlaps another's (the database's exclusion
    constraint guards the same under concurrency). ``robot_prices``: robot id → its own
    price per minute. Audited."""
    card = RateCard(**fields)
    # The overlap is checked below, under the lock, with a clearer message.
    card.full_clean(validate_constraints=False)
    card.robot_minute_tiers = clean_tiers(card.robot_minute_tiers)
    robot_prices = clean_robot_prices(robot_prices)
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
    _set_robot_prices(card, robot_prices)
    audit.record(
        actor=actor,
        action="billing.rate_card.created",
        target=card,
        changes={
            "valid_from": [None, card.valid_from.isoformat()],
            "valid_to": [None, card.valid_to and card.valid_to.isoformat()],
            **{name: [None, value] for name, value in _snapshot(card).items()},
        },
    )
    return card


def months_billed_with(card: RateCard):
    """The closed months billed with the card (a month is billed with the card valid on its
    first day)."""
    billed = Period.objects.filter(status__in=Period.FINAL, month__gte=card.valid_from)
    if card.valid_to is not None:
        billed = billed.filter(month__lte=card.valid_to)
    return billed.order_by("month")


@transaction.atomic
def update_rate_card(
    card: RateCard, *, actor, robot_prices: dict[int, Decimal] | None = None, **fields: Any
) -> RateCard:
    """Change a card's prices (``PRICE_FIELDS``; ``robot_prices`` replaces the card's own
    prices per robot when given). Refused once a month billed with the card is closed: its
    invoices cannot change, so a new card must follow it instead. Audited, each changed
    price with its old and new value."""
    unknown = set(fields) - set(PRICE_FIELDS)
    if unknown:
        raise ValidationError(
            _("Only a card's prices can be changed; end it to change its validity.")
        )
    BillingSettings.objects.select_for_update().get(pk=billing_settings().pk)
    card = RateCard.objects.select_for_update().get(pk=card.pk)
    billed = months_billed_with(card).first()
    if billed is not None:
        raise ValidationError(
            _(
                "%(month)s is closed and was billed with %(card)s, so its prices cannot "
                "change: end the card and create a new one."
            )
            % {"month": billed.label, "card": card.name}
        )
    before = _snapshot(card)
    for name, value in fields.items():
        setattr(card, name, value)
    card.full_clean(validate_constraints=False)
    card.robot_minute_tiers = clean_tiers(card.robot_minute_tiers)
    if robot_prices is not None:
        _set_robot_prices(card, clean_robot_prices(robot_prices))
    card.save(update_fields=list(fields) or None)
    card = RateCard.objects.prefetch_related("robot_prices__robot").get(pk=card.pk)
    changes = audit.changed(before, _snapshot(card))
    if changes:
        audit.record(actor=actor, action="billing.rate_card.changed", target=card, changes=changes)
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
