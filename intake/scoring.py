"""The automation score and the business case of an idea: pure arithmetic, no database.

Every factor is a number between 0 and 1; a score is the weighted mean of its factors,
shown as 0-100. Money is Decimal, rounded half-up to whole øre.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ONE = Decimal(1)
RULE_BASED = {"rules": ONE, "mostly": Decimal("0.75"), "mixed": Decimal("0.4"), "judgement": 0}
DIGITAL = {"yes": ONE, "partly": Decimal("0.5"), "no": Decimal(0)}
STABILITY = {"rarely": ONE, "yearly": Decimal("0.6"), "often": Decimal("0.2")}
CONTRACT = {"yes": ONE, "unknown": Decimal("0.5"), "no": Decimal(0)}
URGENCY = {"high": ONE, "medium": Decimal("0.6"), "low": Decimal("0.3")}
# At 50 % exceptions or more a robot hands back as much as it does.
EXCEPTIONS_AT_ZERO = Decimal(50)

# The weights (fields of ScoringWeights) of each half of the score, and the rates behind
# the business case: the office edits them all in one form.
SUITABILITY_WEIGHTS = (
    "rule_based",
    "digital_input",
    "system_stability",
    "exception_rate",
    "volume",
)
READINESS_WEIGHTS = ("legal_basis", "contract", "personal_data", "urgency")
WEIGHTS = (*SUITABILITY_WEIGHTS, *READINESS_WEIGHTS)
RATES = (
    "suitability_share",
    "full_volume_hours",
    "hourly_rate",
    "staff_hourly_rate",
    "hours_per_fte",
)
WEIGHT_FIELDS = (*WEIGHTS, *RATES)


def _weighted(factors: dict[str, Decimal], weights: dict[str, int]) -> Decimal:
    total = sum(weights.values())
    if total == 0:
        return Decimal(0)
    mean = sum(Decimal(factors[name]) * weights[name] for name in factors) / total
    return (mean * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class BusinessCase:
    hours_per_year: Decimal
    fte: Decimal
    value_per_year: Decimal
    build_cost: Decimal | None
    payback_months: Decimal | None


def business_case(idea, weights) -> BusinessCase:
    """Hours saved a year = cases/month × 12 × minutes/case ÷ 60 × (1 − exception share)."""
    handled = ONE - Decimal(idea.exception_rate) / 100
    hours = Decimal(idea.volume_per_month) * 12 * Decimal(idea.minutes_per_case) / 60 * handled
    hours = hours.quantize(Decimal("0.1"), ROUND_HALF_UP)
    fte = (hours / Decimal(weights.hours_per_fte)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    value = (hours * weights.hourly_rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    build_cost = payback = None
    if idea.estimated_build_hours is not None:
        build_cost = (idea.estimated_build_hours * weights.staff_hourly_rate).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        if value > 0:
            payback = (build_cost / (value / 12)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return BusinessCase(hours, fte, value, build_cost, payback)


@dataclass(frozen=True)
class Score:
    suitability: Decimal
    readiness: Decimal
    total: Decimal


def score(idea, weights) -> Score:
    hours = business_case(idea, weights).hours_per_year
    suitability = _weighted(
        {
            "rule_based": RULE_BASED[idea.rule_based],
            "digital_input": DIGITAL[idea.digital_input],
            "system_stability": STABILITY[idea.systems_change],
            "exception_rate": max(
                Decimal(0), ONE - Decimal(idea.exception_rate) / EXCEPTIONS_AT_ZERO
            ),
            "volume": min(ONE, hours / Decimal(weights.full_volume_hours)),
        },
        {name: getattr(weights, name) for name in SUITABILITY_WEIGHTS},
    )
    readiness = _weighted(
        {
            "legal_basis": ONE if idea.legal_basis.strip() else Decimal(0),
            "contract": CONTRACT[idea.contract_allows],
            "personal_data": Decimal("0.5") if idea.personal_data else ONE,
            "urgency": URGENCY[idea.urgency],
        },
        {name: getattr(weights, name) for name in READINESS_WEIGHTS},
    )
    share = Decimal(weights.suitability_share) / 100
    total = (suitability * share + readiness * (ONE - share)).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )
    return Score(suitability, readiness, total)
