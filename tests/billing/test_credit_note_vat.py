"""The VAT of credit notes, as a property: however an invoice's lines are credited — all at
once or in any number of credit notes — the credit notes never credit more VAT than the
invoice charged, credit exactly its VAT once every line is credited, and each is within an
øre of its own lines × the rate. Pure arithmetic: no database."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from billing.money import round_half_up
from billing.services.invoices import credit_note_vat

RATES = st.sampled_from([Decimal("0"), Decimal("0.25")])


@st.composite
def invoices_credited_in_parts(draw):
    lines = draw(st.lists(st.integers(min_value=0, max_value=10**10), min_size=1, max_size=12))
    order = draw(st.permutations(range(len(lines))))
    cuts = sorted(draw(st.sets(st.integers(min_value=1, max_value=len(lines) - 1 or 1))))
    parts, start = [], 0
    for cut in [*cuts, len(lines)]:
        if cut > start:
            parts.append([lines[index] for index in order[start:cut]])
            start = cut
    return lines, parts


@given(invoices_credited_in_parts(), RATES)
def test_credit_notes_never_credit_more_vat_than_the_invoice_charged(invoice, rate):
    lines, parts = invoice
    invoice_vat = round_half_up(sum(lines) * rate)  # how the close computes an invoice's VAT
    credited_subtotal = credited_vat = 0
    for part in parts:
        subtotal = sum(part)
        vat = credit_note_vat(subtotal, rate, credited_subtotal, credited_vat)
        assert vat >= 0
        assert abs(vat - subtotal * rate) <= 1
        credited_subtotal += subtotal
        credited_vat += vat
        assert credited_vat <= invoice_vat
    assert (credited_subtotal, credited_vat) == (sum(lines), invoice_vat)


def test_half_an_ore_of_vat_is_rounded_up_on_the_first_credit_note_and_not_again():
    # Two lines of 107.914 and 2 øre at 25 %: 26.978,5 → 26.979; then 0,5 → 1 alone, but
    # 107.916 × 25 % = 26.979 in all, so the second note credits 0 øre of VAT.
    rate = Decimal("0.25")
    first = credit_note_vat(107_914, rate, 0, 0)
    assert first == 26_979
    assert credit_note_vat(2, rate, 107_914, first) == 0
