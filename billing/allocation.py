"""Exact allocation of an amount in øre by weights: the largest-remainder method.

Every member's exact share (total × weight ÷ sum of weights) is floored to whole øre; the
øre left over go one each to the largest remainders, ties to the lowest organisation id.
The shares always sum exactly to the total, and each is within one øre of its exact value.
"""

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from math import lcm

from django.utils.translation import gettext as _


class AllocationError(ValueError):
    pass


def integer_weights(weights: Mapping[int, Decimal | Fraction | int]) -> dict[int, int]:
    """The same weights as whole numbers in the same proportions (× their common denominator)."""
    ratios = {key: weight.as_integer_ratio() for key, weight in weights.items()}
    scale = lcm(*(denominator for _numerator, denominator in ratios.values()))
    return {
        key: numerator * (scale // denominator) for key, (numerator, denominator) in ratios.items()
    }


def allocate(total_ore: int, weights: Mapping[int, Decimal | Fraction | int]) -> dict[int, int]:
    """Split ``total_ore`` (≥ 0) over the keys of ``weights`` (each ≥ 0, not all zero)."""
    if total_ore < 0:
        raise AllocationError(_("Only a positive amount or zero can be split."))
    if any(weight < 0 for weight in weights.values()):
        raise AllocationError(_("A distribution weight cannot be negative."))
    return allocate_integers(total_ore, integer_weights(weights))


def allocate_integers(total_ore: int, weights: Mapping[int, int]) -> dict[int, int]:
    """``allocate`` for whole-number weights (each ≥ 0), in integer arithmetic only.

    Every exact share is total × weight ÷ sum, so its remainder is comparable as the
    integer (total × weight) mod sum.
    """
    weight_sum = sum(weights.values())
    if weight_sum == 0:
        raise AllocationError(
            _("Every weight is zero, so there is nothing to split the amount by.")
        )
    shares = {}
    remainders = []
    for key, weight in weights.items():
        share, remainder = divmod(total_ore * weight, weight_sum)
        shares[key] = share
        remainders.append((-remainder, key))
    leftover = total_ore - sum(shares.values())
    if leftover:
        for _remainder, key in sorted(remainders)[:leftover]:
            shares[key] += 1
    return shares
