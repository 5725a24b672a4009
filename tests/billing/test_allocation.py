from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.allocation import AllocationError, allocate
from billing.money import format_kr, format_number, round_half_up

weights_strategy = st.dictionaries(
    st.integers(min_value=1, max_value=10_000),
    st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False),
    min_size=1,
    max_size=30,
).filter(lambda weights: any(weights.values()))
totals = st.integers(min_value=0, max_value=10**13)


@given(totals, weights_strategy)
def test_shares_sum_exactly_to_the_total(total, weights):
    assert sum(allocate(total, weights).values()) == total


@given(totals, weights_strategy)
def test_each_share_is_within_one_ore_of_its_exact_value(total, weights):
    weight_sum = sum(Fraction(w) for w in weights.values())
    for key, share in allocate(total, weights).items():
        exact = total * Fraction(weights[key]) / weight_sum
        assert abs(share - exact) < 1


@given(totals, weights_strategy, st.randoms())
def test_the_order_members_are_listed_in_does_not_matter(total, weights, random):
    items = list(weights.items())
    random.shuffle(items)
    assert allocate(total, dict(items)) == allocate(total, weights)


@given(totals, weights_strategy)
def test_a_zero_weight_gets_zero(total, weights):
    shares = allocate(total, weights)
    assert all(shares[key] == 0 for key, weight in weights.items() if weight == 0)


@given(totals, weights_strategy)
def test_same_input_same_output(total, weights):
    assert allocate(total, weights) == allocate(total, dict(weights))


def test_ties_go_to_the_lowest_organisation_id():
    assert allocate(2, {7: Decimal(1), 3: Decimal(1), 5: Decimal(1)}) == {7: 0, 3: 1, 5: 1}


def test_all_zero_weights_are_refused():
    with pytest.raises(AllocationError):
        allocate(100, {1: Decimal(0), 2: Decimal(0)})


def test_negative_input_is_refused():
    with pytest.raises(AllocationError):
        allocate(-1, {1: Decimal(1)})
    with pytest.raises(AllocationError):
        allocate(1, {1: Decimal(-1), 2: Decimal(2)})


def test_danish_money_format_and_half_up():
    assert format_kr(120_000_000) == "1.200.000,00 kr"
    assert format_kr(5) == "0,05 kr"
    assert format_number(Decimal("12.345"), 2) == "12,35"
    assert format_number(61000) == "61.000"
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("-2.5")) == -3
    assert round_half_up(Fraction(5, 2)) == 3
