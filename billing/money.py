"""Money is whole øre (int) in storage and arithmetic; rates and quantities are Decimal.

Never float: every conversion goes through Decimal and rounds half-up to the øre.
"""

import re
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


# A number as the API takes it: digits with an optional sign and decimal point, no exponent.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
# Danish notation: dots group thousands (in threes), the comma is the decimal mark.
_DANISH_NUMBER = re.compile(r"[+-]?(?:[0-9]+|[1-9][0-9]{0,2}(?:\.[0-9]{3})+)(?:,[0-9]+)?")


def parse_plain_number(value: object) -> Decimal:
    """A number sent as JSON: an integer, a decimal number or a string of one written with a
    decimal point ("0.80"). Anything else (text, a list, true, "1e5", "NaN") is a
    ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(value)
    if isinstance(value, int):
        return Decimal(value)
    text = str(value).strip()
    if not _PLAIN_NUMBER.fullmatch(text):
        raise ValueError(value)
    return Decimal(text)


def parse_danish_number(text: str, *, decimal_point: bool = False) -> Decimal:
    """A number written the Danish way, as it is displayed: "1.234", "1234", "1.250,50",
    "-0,5". With ``decimal_point`` a number written with a decimal point is taken too
    ("0.4575", "2.50"), unless its dots group thousands ("1.250" is 1250). Anything else
    ("1.2.3", "1e5", "12.34,5") is a ValueError."""
    text = text.strip()
    if _DANISH_NUMBER.fullmatch(text):
        return Decimal(text.replace(".", "").replace(",", "."))
    if decimal_point and _PLAIN_NUMBER.fullmatch(text):
        return Decimal(text)
    raise ValueError(text)
