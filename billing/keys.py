"""Distribution keys (fordelingsnøgler): each member's weight in a cost pool, and the
Danish words that explain it on the invoice line.

Weights are scaled by the days a member belonged to the partnership in the period (a member
joining on the 16th of a 30-day month weighs 15/30 of its figure). Scaling every weight by
the same number of days changes nothing, so the weight is simply figure × days.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from billing.models import CostPool, KeyKind
from billing.money import format_number
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
    weights: dict[int, Fraction] = field(default_factory=dict)
    basis: dict[int, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _number(value: Decimal | Fraction) -> str:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    whole = value == value.to_integral_value()
    return format_number(value, 0 if whole else 2)


def validate_key_params(key: str, params: dict) -> None:
    """Refuse parameters a key cannot work with (raises ValueError with the reason)."""
    if key == KeyKind.FIXED:
        percentages = params.get("percentages") or {}
        total = sum((Decimal(str(value)) for value in percentages.values()), Decimal(0))
        if any(Decimal(str(value)) < 0 for value in percentages.values()):
            raise ValueError(_("A fixed percentage cannot be negative."))
        if total != 100:
            raise ValueError(
                _("The fixed percentages add up to %(total)s %%, not 100 %%.")
                % {"total": format_number(total, 2)}
            )
    elif key == KeyKind.BANDED:
        if params.get("figure") not in KeyFigure.Kind.values:
            raise ValueError(_("Choose the key figure the bands apply to."))
        bands = params.get("bands") or []
        if not bands or bands[-1].get("up_to") is not None:
            raise ValueError(_("The last band must have no upper limit."))
        limits = [Decimal(str(band["up_to"])) for band in bands[:-1]]
        if limits != sorted(set(limits)) or any(limit <= 0 for limit in limits):
            raise ValueError(_("Band limits must be positive and increasing."))
        if any(Decimal(str(band["factor"])) < 0 for band in bands):
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


def pool_members(pool: CostPool, members: list[PeriodMember]) -> list[PeriodMember]:
    """The period's members the pool is split among (members for at least one day)."""
    limited_to = {organisation.pk for organisation in pool.limit_to_members.all()}
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
    """Each member's weight in the pool, why, and which figures are missing."""
    result = KeyResult()
    raw: dict[int, Fraction] = {}
    if pool.key == KeyKind.EQUAL:
        raw = {member.organisation_id: Fraction(1) for member in members}
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
                raw[member.organisation_id] = Fraction(
                    banded_value(value, pool.key_params["bands"])
                )
            else:
                raw[member.organisation_id] = Fraction(value)
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
            raw[member.organisation_id] = Fraction(Decimal(str(value)))
    if result.missing:
        return result

    total_raw = sum(raw.values(), Fraction(0))
    for member in members:
        organisation_id = member.organisation_id
        result.weights[organisation_id] = raw[organisation_id] * member.days
        result.basis[organisation_id] = _basis(
            pool, member, raw[organisation_id], total_raw, len(members), figures
        ) + _days(member, period_days)
    return result


def _basis(pool, member, raw: Fraction, total_raw: Fraction, count: int, figures) -> str:
    if pool.key == KeyKind.EQUAL:
        return f"lige andele, 1 af {count}"
    if pool.key in FIGURE_OF_KEY:
        word = FIGURE_WORDS[FIGURE_OF_KEY[pool.key]]
        return f"{word} {_number(raw)} af {_number(total_raw)}"
    if pool.key == KeyKind.BANDED:
        figure = pool.key_params["figure"]
        actual = figures[(member.organisation_id, figure)]
        return (
            f"vægtet {FIGURE_WORDS[figure]} {_number(raw)} af {_number(total_raw)}"
            f" ({FIGURE_WORDS[figure]} {_number(actual)}, {_bands_text(pool.key_params['bands'])})"
        )
    if pool.key == KeyKind.USAGE:
        return f"robotminutter {_number(raw)} af {_number(total_raw)}"
    return f"fast andel {format_number(Decimal(raw.numerator) / raw.denominator, 2)} %"


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
