"""Exact allocation of an amount in øre by weights: the largest-remainder method.

Every member's exact share (total × weight ÷ sum of weights) is floored to whole øre; the
øre left over go one each to the largest remainders, ties to the lowest organisation id.
The shares always sum exactly to the total, and each is within one øre of its exact value.
"""

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _


class AllocationError(ValueError):
    pass


def allocate(total_ore: int, weights: Mapping[int, Decimal | Fraction | int]) -> dict[int, int]:
    """Split ``total_ore`` (≥ 0) over the keys of ``weights`` (each ≥ 0, not all zero)."""
    if total_ore < 0:
        raise AllocationError(_("Only a positive amount or zero can be split."))
    if any(weight < 0 for weight in weights.values()):
        raise AllocationError(_("A distribution weight cannot be negative."))
    exact_weights = {key: Fraction(weight) for key, weight in weights.items()}
    weight_sum = sum(exact_weights.values(), Fraction(0))
    if weight_sum == 0:
        raise AllocationError(
            _("Every weight is zero, so there is nothing to split the amount by.")
        )
    exact = {key: total_ore * weight / weight_sum for key, weight in exact_weights.items()}
    shares = {key: value.numerator // value.denominator for key, value in exact.items()}
    leftover = total_ore - sum(shares.values())
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - shares[key]), key))
    for key in by_remainder[:leftover]:
        shares[key] += 1
    return shares
