# ruff: noqa: F811
"""What a municipal finance officer checks on a document without VAT: the legal basis of
0 % on the PDF and in the e-invoice (validated against the Peppol rules); and a totals
block that is never split across two pages of the PDF, however long the invoice."""

import io
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from billing import services
from billing.exports import pdf, peppol
from billing.models import FinancingModel, KeyKind
from tenants import services as tenants
from tenants.models import Organisation
from tests.billing.test_example_partnership import (  # noqa: F401  (shared fixture)
    MARCH,
    close,
    make_pools,
    partnership,
)
from tests.billing.test_exports import NS, validate

pytestmark = pytest.mark.django_db

SECTION_13 = "momslovens § 13, stk. 1, nr. 19"


def pages_text(document: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document)).pages]


def write(tmp_path: Path, invoice, office) -> etree._ElementTree:
    path = tmp_path / f"{invoice.number}.xml"
    path.write_bytes(peppol.document(invoice, office=office))
    validate(path)
    return etree.parse(path)


def category(tree) -> dict:
    element = tree.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
    return {
        field: element.findtext(f"cbc:{field}", namespaces=NS)
        for field in ("ID", "Percent", "TaxExemptionReasonCode", "TaxExemptionReason")
    }


def test_a_member_outside_vat_is_told_the_legal_basis_on_the_pdf_and_the_e_invoice(
    partnership, tmp_path
):
    _period, exempt, standard, _c = close(FinancingModel.USAGE_PLUS_SPLIT, partnership)
    office = tenants.office()
    assert exempt.vat_rate == 0 and standard.vat_rate > 0

    outside = category(write(tmp_path, exempt, office))
    assert outside["ID"] == "E" and outside["Percent"] == "0"
    assert outside["TaxExemptionReasonCode"] == "VATEX-EU-132-1F"
    assert SECTION_13 in outside["TaxExemptionReason"]
    text = " ".join(pages_text(pdf.document(exempt, office=office)))
    assert "Moms 0 % (momsfritaget)" in text
    assert SECTION_13 in text and "art. 132, stk. 1, litra f" in text

    # A credit note of the exempt invoice states the same basis.
    note, _adjustment = services.credit_invoice(exempt, reason="Forkert indbyggertal")
    assert category(write(tmp_path, note, office))["TaxExemptionReasonCode"] == ("VATEX-EU-132-1F")
    assert SECTION_13 in " ".join(pages_text(pdf.document(note, office=office)))

    # 25 % VAT: no exemption, no basis.
    charged = category(write(tmp_path, standard, office))
    assert charged == {
        "ID": "S",
        "Percent": "25",
        "TaxExemptionReasonCode": None,
        "TaxExemptionReason": None,
    }
    text = " ".join(pages_text(pdf.document(standard, office=office)))
    assert "Moms 25 %" in text and "momsfritaget" not in text and "momslov" not in text


def test_an_office_outside_vat_sends_not_subject_to_vat(partnership, tmp_path):
    _period, exempt, _b, _c = close(FinancingModel.USAGE_PLUS_SPLIT, partnership)
    Organisation.objects.filter(pk=tenants.office().pk).update(
        vat_status=Organisation.VatStatus.EXEMPT
    )
    office = tenants.office()
    outside = category(write(tmp_path, exempt, office))
    assert (outside["ID"], outside["TaxExemptionReasonCode"]) == ("O", "VATEX-EU-O")
    assert "Ikke momspligtig" in outside["TaxExemptionReason"]
    text = " ".join(pages_text(pdf.document(exempt, office=office)))
    assert "Moms 0 % (ikke momspligtig)" in text
    assert "Ikke momspligtig: leverandøren er ikke momsregistreret" in text
    assert SECTION_13 not in text


TOTALS = ("Beløb ekskl. moms", "Moms 0 % (momsfritaget)", "At betale i alt", "litra f)")
UNBROKEN = "break-inside: avoid; page-break-inside: avoid;"


def totals_pages(invoice, lines, office, *, unbroken: bool = True) -> tuple[int, set[int]]:
    """The number of pages, and the pages on which the totals block's parts are printed."""
    html = pdf.render_html(invoice, lines, office)
    assert UNBROKEN in html
    if not unbroken:
        html = html.replace(UNBROKEN, "")
    texts = pages_text(pdf.html_to_pdf(html))
    return len(texts), {
        number for phrase in TOTALS for number, text in enumerate(texts) if phrase in text
    }


def test_the_totals_block_is_never_split_across_pages(partnership):
    aarhus, odense, bolig = partnership
    period = services.set_financing_model(
        services.get_period(MARCH), FinancingModel.USAGE_PLUS_SPLIT
    )
    make_pools(period, aarhus, odense, bolig)
    for number in range(1, 41):
        services.create_cost_pool(
            period=period, name=f"Licens {number}", amount_ore=10_000 * number, key=KeyKind.EQUAL
        )
    services.close_period_with_progress(period, lambda *_: None)
    invoice = period.invoices.get(organisation=aarhus)
    lines = list(invoice.lines.all())
    office = tenants.office()
    pages, parts = totals_pages(invoice, lines, office)
    assert pages >= 2 and len(parts) == 1

    # The invoice printed with its first n lines: find the fewest lines that need a second
    # page. Just below that number the totals block ends at the foot of page one; without
    # the rule that keeps it whole, one of those lengths splits it.
    fewest, most = 1, len(lines)
    while fewest < most:
        middle = (fewest + most) // 2
        if totals_pages(invoice, lines[:middle], office)[0] > 1:
            most = middle
        else:
            fewest = middle + 1
    boundary = range(max(1, fewest - 3), fewest + 1)
    split = [
        count
        for count in boundary
        if len(totals_pages(invoice, lines[:count], office, unbroken=False)[1]) > 1
    ]
    assert split, "no length near the page boundary splits an unprotected totals block"
    for count in boundary:
        assert len(totals_pages(invoice, lines[:count], office)[1]) == 1, count
