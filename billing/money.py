"""Money is whole øre (int) in storage and arithmetic; rates and quantities are Decimal.

Never float: every conversion goes through Decimal and rounds half-up to the øre.
"""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

ORE_PER_KRONE = 100


def round_half_up(value: Decimal | Fraction | int) -> int:
    """Round an amount in øre (possibly fractional) to whole øre, halves away from zero."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def kroner_to_ore(kroner: Decimal) -> int:
    return round_half_up(Decimal(kroner) * ORE_PER_KRONE)


def price_ore(quantity: Decimal, unit_price_kroner: Decimal) -> int:
    """Quantity × unit price (kroner), in whole øre rounded half-up."""
    return round_half_up(Decimal(quantity) * Decimal(unit_price_kroner) * ORE_PER_KRONE)


def _group_thousands(digits: str) -> str:
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return ".".join(groups)


def format_number(value: Decimal | int, places: int = 0) -> str:
    """Danish number format: 1.234.567,89 (thousands with dots, decimal comma), half-up."""
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _dot, fraction = f"{abs(rounded):f}".partition(".")
    text = _group_thousands(whole)
    if places:
        text += "," + fraction
    return sign + text


def format_kr(ore: int) -> str:
    """1200000_00 øre → '1.200.000,00 kr'."""
    return format_number(Decimal(ore) / ORE_PER_KRONE, 2) + " kr"


def format_price(kroner: Decimal) -> str:
    """A unit price in kroner with at least two and at most four decimals: '0,4575 kr'."""
    value = Decimal(kroner).normalize()
    places = max(2, min(4, -value.as_tuple().exponent))
    return format_number(value, places) + " kr"
