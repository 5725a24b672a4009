"""Rate cards: the prices of a span of time."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from billing.models import (
    BillingSettings,
    RateCard,
    RobotPrice,
)
from billing.services.periods import billing_settings


def _validate_tiers(tiers: list[dict]) -> None:
    if not tiers:
        return
    if tiers[-1].get("up_to") is not None:
        raise ValidationError(_("The last tier must have no upper limit."))
    limits = [Decimal(str(tier["up_to"])) for tier in tiers[:-1]]
    if limits != sorted(set(limits)) or any(limit <= 0 for limit in limits):
        raise ValidationError(_("Tier limits must be positive and increasing."))
    if any(Decimal(str(tier["price"])) < 0 for tier in tiers):
        raise ValidationError(_("A tier's price cannot be negative."))


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
