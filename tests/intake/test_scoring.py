"""Score and business case, checked against hand-computed examples."""

from decimal import Decimal
from types import SimpleNamespace

from intake import scoring
from intake.models import ScoringWeights


def idea(**overrides):
    fields = {
        "volume_per_month": 400,
        "minutes_per_case": Decimal("6"),
        "exception_rate": Decimal("10"),
        "rule_based": "mostly",
        "digital_input": "partly",
        "systems_change": "yearly",
        "legal_basis": "Lejeloven § 5",
        "contract_allows": "unknown",
        "personal_data": True,
        "urgency": "medium",
        "estimated_build_hours": Decimal("80"),
    }
    fields.update(overrides)
    return SimpleNamespace(**fields)


def test_business_case_by_hand():
    weights = ScoringWeights()  # defaults: 450 kr/h value, 750 kr/h staff, 1,924 h per FTE
    case = scoring.business_case(idea(), weights)
    # 400 cases × 12 months × 6 min ÷ 60 = 480 h; 10 % exceptions → 432 h
    assert case.hours_per_year == Decimal("432.0")
    # 432 ÷ 1,924 = 0.2245… → 0.22 FTE
    assert case.fte == Decimal("0.22")
    # 432 h × 450 kr = 194,400.00 kr a year
    assert case.value_per_year == Decimal("194400.00")
    # 80 h × 750 kr = 60,000.00 kr; 60,000 ÷ (194,400 ÷ 12 = 16,200 a month) = 3.7 months
    assert case.build_cost == Decimal("60000.00")
    assert case.payback_months == Decimal("3.7")


def test_score_by_hand():
    weights = ScoringWeights()
    result = scoring.score(idea(), weights)
    # suitability: rules 0.75×30 + digital 0.5×25 + stability 0.6×15
    #   + exceptions (1 − 10/50 = 0.8)×15 + volume (432/500 = 0.864)×15
    #   = 22.5 + 12.5 + 9 + 12 + 12.96 = 68.96 of 100 → 69.0
    assert result.suitability == Decimal("69.0")
    # readiness: legal 1×30 + contract unknown 0.5×30 + personal data 0.5×15 + urgency 0.6×25
    #   = 30 + 15 + 7.5 + 15 = 67.5 of 100 → 67.5
    assert result.readiness == Decimal("67.5")
    # total: 60 % × 69.0 + 40 % × 67.5 = 41.4 + 27.0 = 68.4
    assert result.total == Decimal("68.4")


def test_weights_change_the_score():
    weights = ScoringWeights(suitability_share=100)
    assert scoring.score(idea(), weights).total == Decimal("69.0")


def test_no_build_estimate_means_no_payback_and_no_volume_means_no_value():
    case = scoring.business_case(
        idea(estimated_build_hours=None, volume_per_month=0), ScoringWeights()
    )
    assert case.hours_per_year == 0 and case.value_per_year == 0
    assert case.build_cost is None and case.payback_months is None
    all_exceptions = scoring.business_case(idea(exception_rate=Decimal(100)), ScoringWeights())
    assert all_exceptions.payback_months is None  # nothing saved, never pays back


def test_a_perfect_fit_that_is_not_ready_by_hand():
    weights = ScoringWeights(
        hourly_rate=Decimal("500"), staff_hourly_rate=Decimal("800"), hours_per_fte=Decimal(1924)
    )
    perfect = idea(
        volume_per_month=1000,
        minutes_per_case=Decimal("3"),
        exception_rate=Decimal("0"),
        rule_based="rules",
        digital_input="yes",
        systems_change="rarely",
        legal_basis="  ",
        contract_allows="no",
        personal_data=False,
        urgency="high",
        estimated_build_hours=Decimal("200"),
    )
    case = scoring.business_case(perfect, weights)
    # 1,000 × 12 × 3 ÷ 60 × (1 − 0) = 600 h; 600 ÷ 1,924 = 0.3118… → 0.31 FTE
    assert (case.hours_per_year, case.fte) == (Decimal("600.0"), Decimal("0.31"))
    # 600 h × 500 kr = 300,000.00 kr; build 200 h × 800 kr = 160,000.00 kr
    assert (case.value_per_year, case.build_cost) == (Decimal("300000.00"), Decimal("160000.00"))
    # 160,000 ÷ (300,000 ÷ 12 = 25,000 a month) = 6.4 months
    assert case.payback_months == Decimal("6.4")
    result = scoring.score(perfect, weights)
    # suitability: 1×30 + 1×25 + 1×15 + 1×15 + volume min(1, 600/500) = 1×15 = 100 → 100.0
    assert result.suitability == Decimal("100.0")
    # readiness: no legal basis 0×30 + contract no 0×30 + no personal data 1×15 + high 1×25
    #   = 40 of 100 → 40.0 (a blank legal basis counts as none)
    assert result.readiness == Decimal("40.0")
    # total: 0.6 × 100 + 0.4 × 40 = 60 + 16 = 76.0
    assert result.total == Decimal("76.0")


def test_small_volumes_round_half_up():
    case = scoring.business_case(
        idea(volume_per_month=7, minutes_per_case=Decimal("11"), exception_rate=Decimal("3")),
        ScoringWeights(),
    )
    # 7 × 12 × 11 ÷ 60 = 15.4 h × 0.97 = 14.938 → 14.9 h; 14.9 ÷ 1,924 = 0.0077… → 0.01 FTE
    assert (case.hours_per_year, case.fte) == (Decimal("14.9"), Decimal("0.01"))
    # 14.9 h × 450 kr = 6,705.00 kr; build 80 h × 750 kr = 60,000.00 kr;
    # 60,000 ÷ (6,705 ÷ 12 = 558.75) = 107.38… → 107.4 months
    assert case.value_per_year == Decimal("6705.00")
    assert case.payback_months == Decimal("107.4")


def test_many_exceptions_score_nothing_for_exceptions_and_zero_weights_score_zero():
    weights = ScoringWeights()
    # 60 % exceptions: max(0, 1 − 60/50) = 0, so the suitability loses the 0.8 × 15 = 12
    # points of the first case (68.96 − 12 = 56.96) and the volume factor drops too:
    # 480 h × 0.4 = 192 h → 192/500 = 0.384 × 15 = 5.76 instead of 12.96 → 56.96 − 7.2 = 49.76
    assert scoring.score(idea(exception_rate=Decimal(60)), weights).suitability == Decimal("49.8")
    zero = ScoringWeights(**{name: 0 for name in scoring.WEIGHTS})
    assert scoring.score(idea(), zero).total == Decimal("0.0")
