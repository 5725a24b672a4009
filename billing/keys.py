"""Distribution keys (fordelingsnøgler): each member's weight in a cost pool, and the
Danish words that explain it on the invoice line.

Weights of the fixed keys (equal shares, population, housing units, employees, fixed
percentages, bands) are scaled by the days a member belonged to the partnership in the
period (a member joining on the 16th of a 30-day month weighs 15/30 of its figure). Scaling
every weight by the same number of days changes nothing, so the weight is simply figure ×
days. The usage-share key is not scaled: a member's robot minutes already cover only the
days it was a member, so its weight is its minutes (of all the pool's minutes).

When a pool has a member that was not a member all month, each line states its weight as
figure × days = weight of the pool's total weight, so that the percentage can be recomputed
from the line alone.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import MAX_PREC, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _

from billing.models import CostPool, KeyKind
from billing.money import format_number, parse_plain_number
from tenants.models import KeyFigure

FIGURE_OF_KEY = {
    KeyKind.POPULATION: KeyFigure.Kind.POPULATION,
    KeyKind.HOUSING_UNITS: KeyFigure.Kind.HOUSING_UNITS,
    KeyKind.EMPLOYEES: KeyFigure.Kind.EMPLOYEES,
}

# Danish: invoice lines are written in Danish whatever language the reader uses.
FIGURE_WORDS = {
    KeyFigure.Kind.POPULATION: "indbyggertal",
    KeyFigure.Kind.HOUSING_UNITS: "lejemål",
    KeyFigure.Kind.EMPLOYEES: "medarbejdere",
}


@dataclass(frozen=True)
class PeriodMember:
    """An organisation billed in a period, and the days of the period it was a member."""

    organisation_id: int
    name: str
    kind: str
    days: int


@dataclass
class KeyResult:
    weights: dict[int, Decimal | Fraction | int] = field(default_factory=dict)
    basis: dict[int, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


@lru_cache(maxsize=65_536)
def _number(value: Decimal | Fraction | int) -> str:
    """A key figure or weight in Danish notation, with two decimals unless whole (cached: a
    close writes the same members' figures into many pools' lines)."""
    value = _decimal(value)
    whole = value == value.to_integral_value()
    return format_number(value, 0 if whole else 2)


ORGANISATION_ID = re.compile(r"[1-9][0-9]{0,17}")


def _param_number(value: Any, what: str) -> Decimal:
    try:
        return parse_plain_number(value)
    except ValueError:
        raise ValueError(
            _("%(what)s “%(value)s” is not a number (write e.g. 12.5).")
            % {"what": what, "value": value}
        ) from None


def validate_key_params(key: str, params: Any) -> None:
    """Refuse parameters a key cannot work with (raises ValueError with the reason). Which
    organisations the fixed percentages name is the service's to check."""
    if not isinstance(params, dict):
        raise ValueError(_("The key parameters must be an object."))
    if key == KeyKind.FIXED:
        percentages = params.get("percentages") or {}
        if not isinstance(percentages, dict):
            raise ValueError(
                _("The fixed percentages must be an object of organisation id: percentage.")
            )
        for member in percentages:
            if not ORGANISATION_ID.fullmatch(member):
                raise ValueError(_("“%(member)s” is not an organisation id.") % {"member": member})
        values = [_param_number(value, _("Percentage")) for value in percentages.values()]
        if any(value < 0 for value in values):
            raise ValueError(_("A fixed percentage cannot be negative."))
        total = sum(values, Decimal(0))
        if total != 100:
            raise ValueError(
                _("The fixed percentages add up to %(total)s %%, not 100 %%.")
                % {"total": format_number(total, 2)}
            )
    elif key == KeyKind.BANDED:
        if params.get("figure") not in KeyFigure.Kind.values:
            raise ValueError(_("Choose the key figure the bands apply to."))
        bands = params.get("bands") or []
        if not isinstance(bands, list) or not all(
            isinstance(band, dict) and "up_to" in band and "factor" in band for band in bands
        ):
            raise ValueError(_("The bands must be a list of objects with up_to and factor."))
        if not bands or bands[-1]["up_to"] is not None:
            raise ValueError(_("The last band must have no upper limit."))
        limits = [_param_number(band["up_to"], _("Band limit")) for band in bands[:-1]]
        factors = [_param_number(band["factor"], _("Band factor")) for band in bands]
        if limits != sorted(set(limits)) or any(limit <= 0 for limit in limits):
            raise ValueError(_("Band limits must be positive and increasing."))
        if any(factor < 0 for factor in factors):
            raise ValueError(_("A band's factor cannot be negative."))


def banded_value(value: Decimal, bands: list[dict]) -> Decimal:
    """E.g. full weight up to 150,000 inhabitants and half above: 160,000 → 155,000."""
    weighted = Decimal(0)
    lower = Decimal(0)
    for band in bands:
        upper = None if band["up_to"] is None else Decimal(str(band["up_to"]))
        portion = (value if upper is None else min(value, upper)) - lower
        if portion <= 0:
            break
        weighted += portion * Decimal(str(band["factor"]))
        if upper is None:
            break
        lower = upper
    return weighted


def pool_members(
    pool: CostPool, members: list[PeriodMember], limited_to: set[int]
) -> list[PeriodMember]:
    """The period's members the pool is split among (members for at least one day);
    ``limited_to`` holds the ids of the members the pool is limited to, if any."""
    return [
        member
        for member in members
        if member.days > 0
        and (not pool.limit_to_kinds or member.kind in pool.limit_to_kinds)
        and (not limited_to or member.organisation_id in limited_to)
    ]


def weigh(
    pool: CostPool,
    members: list[PeriodMember],
    *,
    period_days: int,
    figures: dict[tuple[int, str], Decimal],
    robot_minutes: dict[int, Fraction],
) -> KeyResult:
    """Each member's weight in the pool, why, and which figures are missing.

    Weights are exact: Decimal figures are multiplied and summed without rounding.
    """
    result = KeyResult()
    raw: dict[int, Decimal | Fraction | int] = {}
    if pool.key == KeyKind.EQUAL:
        raw = dict.fromkeys((member.organisation_id for member in members), 1)
    elif pool.key in FIGURE_OF_KEY or pool.key == KeyKind.BANDED:
        figure = FIGURE_OF_KEY.get(pool.key) or pool.key_params["figure"]
        for member in members:
            value = figures.get((member.organisation_id, figure))
            if value is None:
                result.missing.append(
                    _("%(pool)s: %(member)s has no %(figure)s")
                    % {
                        "pool": pool.name,
                        "member": member.name,
                        "figure": KeyFigure.Kind(figure).label.lower(),
                    }
                )
                continue
            if pool.key == KeyKind.BANDED:
                raw[member.organisation_id] = banded_value(value, pool.key_params["bands"])
            else:
                raw[member.organisation_id] = value
    elif pool.key == KeyKind.USAGE:
        raw = {
            m.organisation_id: robot_minutes.get(m.organisation_id, Fraction(0)) for m in members
        }
    elif pool.key == KeyKind.FIXED:
        percentages = pool.key_params.get("percentages") or {}
        for member in members:
            value = percentages.get(str(member.organisation_id))
            if value is None:
                result.missing.append(
                    _("%(pool)s: %(member)s has no fixed percentage")
                    % {"pool": pool.name, "member": member.name}
                )
                continue
            raw[member.organisation_id] = Decimal(str(value))
    if result.missing:
        return result

    by_days = pool.key != KeyKind.USAGE
    with localcontext(prec=MAX_PREC):
        total_raw = sum(raw.values())
        for member in members:
            weight = raw[member.organisation_id]
            result.weights[member.organisation_id] = weight * member.days if by_days else weight
        total_weight = sum(result.weights.values())
    part_month = by_days and any(member.days < period_days for member in members)
    if part_month:
        basis = _basis_by_days(pool, total_weight, figures)
        for member in members:
            result.basis[member.organisation_id] = basis(
                member, raw[member.organisation_id], result.weights[member.organisation_id]
            ) + _days(member, period_days)
        return result
    basis = _basis(pool, total_raw, len(members), figures)
    for member in members:
        result.basis[member.organisation_id] = basis(member, raw[member.organisation_id])
    return result


def _decimal(value: Decimal | Fraction | int) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value)


def _basis(pool, total_raw, count: int, figures) -> Callable[[PeriodMember, Any], str]:
    """The words for a member's weight in the pool, given its raw figure."""
    if pool.key == KeyKind.EQUAL:
        text = f"lige andele, 1 af {count}"
        return lambda member, raw: text
    if pool.key == KeyKind.FIXED:
        return lambda member, raw: f"fast andel {format_number(raw, 2)} %"
    total_text = _number(total_raw)
    if pool.key in FIGURE_OF_KEY:
        word = FIGURE_WORDS[FIGURE_OF_KEY[pool.key]]
        return lambda member, raw: f"{word} {_number(raw)} af {total_text}"
    if pool.key == KeyKind.USAGE:
        total_minutes = _exact(total_raw)
        return lambda member, raw: f"robotminutter {_exact(raw)} af {total_minutes}"
    figure = pool.key_params["figure"]
    word = FIGURE_WORDS[figure]
    bands = _bands_text(pool.key_params["bands"])
    return lambda member, raw: (
        f"vægtet {word} {_number(raw)} af {total_text}"
        f" ({word} {_number(figures[(member.organisation_id, figure)])}, {bands})"
    )


def _exact(value: Decimal | Fraction | int) -> str:
    """A weight in Danish notation with every decimal it has (at most six; a fraction that
    does not end, such as a third of a minute, with four)."""
    if isinstance(value, Fraction):
        denominator = value.denominator
        for prime in (2, 5):
            while denominator % prime == 0:
                denominator //= prime
        if denominator != 1:
            return format_number(_decimal(value), 4)
    with localcontext(prec=MAX_PREC):
        number = _decimal(value)
        if number == number.to_integral_value():
            return format_number(number, 0)
        places = -number.normalize().as_tuple().exponent
    return format_number(number, min(places, 6))


def _basis_by_days(pool, total_weight, figures) -> Callable[[PeriodMember, Any, Any], str]:
    """The words for a member's weight in a pool with a part-month member: its figure × its
    days = its weight, of the pool's total weight (what its percentage is computed from)."""
    total_text = _exact(total_weight)

    def product(raw, member, weight) -> str:
        return f"{_exact(raw)} × {member.days} dage = {_exact(weight)} af {total_text}"

    if pool.key == KeyKind.EQUAL:
        return lambda member, raw, weight: f"lige andele, {product(raw, member, weight)}"
    if pool.key == KeyKind.FIXED:
        return lambda member, raw, weight: (
            f"fast andel {format_number(raw, 2)} %: {product(raw, member, weight)}"
        )
    if pool.key in FIGURE_OF_KEY:
        word = FIGURE_WORDS[FIGURE_OF_KEY[pool.key]]
        return lambda member, raw, weight: f"{word} {product(raw, member, weight)}"
    figure = pool.key_params["figure"]
    word = FIGURE_WORDS[figure]
    bands = _bands_text(pool.key_params["bands"])
    return lambda member, raw, weight: (
        f"vægtet {word} {product(raw, member, weight)}"
        f" ({word} {_number(figures[(member.organisation_id, figure)])}, {bands})"
    )


def _bands_text(bands: list[dict]) -> str:
    parts = []
    lower = Decimal(0)
    for band in bands:
        factor = format_number(Decimal(str(band["factor"])) * 100, 0)
        if band["up_to"] is None:
            parts.append(f"{factor} % over {_number(lower)}")
        else:
            upper = Decimal(str(band["up_to"]))
            parts.append(f"{factor} % op til {_number(upper)}")
            lower = upper
    return ", ".join(parts)


def _days(member: PeriodMember, period_days: int) -> str:
    if member.days >= period_days:
        return ""
    return f"; medlem {member.days} af {period_days} dage"
