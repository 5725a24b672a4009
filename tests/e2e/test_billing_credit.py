# ruff: noqa: F811
"""Finance credits a line of a closed invoice in the browser (in Danish): from the period
page to the credit page, one line chosen, the reason and the corrected amount typed the
Danish way; the confirmation names what will happen, cancelling saves nothing, confirming
issues the numbered credit note, whose PDF is downloaded at once.

Boligselskabet's March invoice (invoice no. 2; 25 % VAT) has the line "Drift" of 107.914
øre (1.000.000 × 300/2.780, plus 1 øre of the leftover): credited with VAT 26.978,5 →
26.979 øre, in all 134.893 øre = 1.348,93 kr."""

import io

import pytest
from pypdf import PdfReader

from billing.models import Adjustment, FinancingModel, Invoice
from tenants.models import Role
from tests.billing.test_example_partnership import close, partnership  # noqa: F401
from tests.e2e.conftest import sign_in
from tests.e2e.test_billing import downloaded

pytestmark = pytest.mark.browser


def test_finance_issues_a_credit_note_through_the_confirmation(
    page, site_url, office, partnership, make_user
):
    period, _aarhus, _odense, bolig = close(FinancingModel.USAGE_PLUS_SPLIT, partnership)
    assert bolig.number == 2
    lines = {line.description.split(":")[0]: line for line in bolig.lines.all()}
    make_user("okonomi@robotkontor.dk", office, Role.FINANCE)
    sign_in(page, site_url(office, "/accounts/login/"), "okonomi@robotkontor.dk")

    page.goto(site_url(office, f"/billing/periods/{period.pk}/"))
    with page.expect_navigation():
        page.click(f"section[data-invoice='{bolig.pk}'] [data-testid=credit-invoice]")
    assert "Krediter faktura nr. 2" in page.locator("h1").inner_text()
    for name, line in lines.items():
        box = page.locator(f"input[name=lines][value='{line.pk}']")
        assert box.is_checked(), name  # the whole invoice unless lines are unticked
        if name != "Drift":
            box.uncheck()
    page.fill("#id_reason", "Forkert andel af driften")
    page.fill("#id_corrected_amount", "500,00")

    issue = page.get_by_role("button", name="Udsted kreditnotaen")
    issue.click()
    dialog = page.get_by_role("dialog")
    text = dialog.inner_text()
    assert "faktura nr. 2" in text and "Boligselskabet" in text
    assert "kan aldrig ændres" in text and "2025-04" in text
    dialog.get_by_role("button", name="Annullér").click()
    assert not dialog.is_visible()
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()

    issue.click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Udsted kreditnotaen").click()
    assert page.url.endswith("/billing/credit-notes/")
    assert "Kreditnota nr. 4 er udstedt for faktura nr. 2." in page.content()
    row = page.locator("tr[data-credit-note='4']")
    assert "1.348,93 kr" in row.inner_text()
    assert "Forkert andel af driften" in row.inner_text()
    note = Invoice.objects.get(number=4)
    assert (note.credits_id, note.total_ore, note.due_on) == (bolig.pk, 134_893, None)
    assert [line.position for line in note.lines.all()] == [lines["Drift"].position]
    assert Adjustment.objects.get().amount_ore == 50_000

    filename, content = downloaded(page, "tr[data-credit-note='4'] [data-download=credit-note-pdf]")
    assert filename == "kreditnota-4.pdf"
    pdf = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(content)).pages)
    assert "Kreditnota nr. 4" in pdf and "Forfaldsdato" not in pdf
