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


# Python's thousands commas and decimal point, swapped to Danish dots and decimal comma.
_DANISH_SEPARATORS = str.maketrans(",.", ".,")
_QUANTA = tuple(Decimal(1).scaleb(-places) for places in range(5))


def format_number(value: Decimal | int, places: int = 0) -> str:
    """Danish number format: 1.234.567,89 (thousands with dots, decimal comma), half-up."""
    quantum = _QUANTA[places] if 0 <= places < len(_QUANTA) else Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    return sign + f"{abs(rounded):,f}".translate(_DANISH_SEPARATORS)


def format_kr(ore: int) -> str:
    """1200000_00 øre → '1.200.000,00 kr'."""
    return format_number(Decimal(ore) / ORE_PER_KRONE, 2) + " kr"


def format_price(kroner: Decimal) -> str:
    """A unit price in kroner with at least two and at most four decimals: '0,4575 kr'."""
    value = Decimal(kroner).normalize()
    places = max(2, min(4, -value.as_tuple().exponent))
    return format_number(value, places) + " kr"
