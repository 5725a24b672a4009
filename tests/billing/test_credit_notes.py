"""Credit notes without a shell: finance credits a closed invoice, all of it or some lines,
with a reason, through the API and the page; the corrected amount is billed in the next
open month. Bad input is refused (4xx) and nothing is saved.

The amounts are those of the hand-computed partnership (test_example_partnership), usage +
split: Boligselskabet's March invoice (25 % VAT) has three lines,
  staff hours   1,5 h × 800,00 kr                       120.000 øre
  Licenser      9.000.000 × 15/77 (+1 øre, largest rest) 1.753.247 øre
  Drift         1.000.000 × 300/2.780 (+1 øre)            107.914 øre
  subtotal 1.981.161, VAT 25 % = 495.290,25 → 495.290, total 2.476.451 øre.
"""

# ruff: noqa: F811
import io
from datetime import date
from pathlib import Path

import pytest
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator
from pypdf import PdfReader

from billing import services
from billing.exports import peppol
from billing.models import Adjustment, FinancingModel, Invoice, InvoiceLine, Period
from core.models import AuditEvent
from tenants import services as tenants
from tenants.models import Role
from tests.billing.test_example_partnership import (  # noqa: F401  (shared fixture)
    MARCH,
    close,
    partnership,
)
from tests.billing.test_exports import validate

pytestmark = pytest.mark.django_db
API = "/api/v1/billing/invoices/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
APRIL = date(2025, 4, 1)


@pytest.fixture
def march(partnership):
    _period, aarhus, _odense, bolig = close(FinancingModel.USAGE_PLUS_SPLIT, partnership)
    return aarhus, bolig


def line(invoice: Invoice, name: str) -> InvoiceLine:
    """The invoice's line of a pool (by its name) or of staff hours ("staff_hours")."""
    return next(
        line
        for line in invoice.lines.all()
        if line.description.startswith(f"{name}:") or line.kind == name
    )


def saved() -> tuple:
    """Everything a credit writes: credit notes, their lines, adjustments, audit events, and
    the next number."""
    return (
        Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count(),
        InvoiceLine.objects.filter(kind=InvoiceLine.Kind.CREDIT).count(),
        Adjustment.objects.count(),
        AuditEvent.objects.filter(action="billing.invoice.credited").count(),
        services.billing_settings().next_invoice_number,
    )


def pdf_text(document: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def test_finance_credits_one_line_then_the_rest_through_the_api(
    march, office, finance, site_client, tmp_path
):
    _aarhus, bolig = march
    assert (bolig.subtotal_ore, bolig.vat_ore, bolig.total_ore) == (1_981_161, 495_290, 2_476_451)
    client = site_client(office, finance)
    drift = line(bolig, "Drift")
    response = client.post(
        f"{API}{bolig.pk}/credit/",
        {"reason": "Forkert andel af driften", "lines": [drift.pk], "rebill_ore": 50_000},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    first = response.json()
    # 107.914 øre; VAT 25 % = 26.978,5 → 26.979 (half-up); March's invoices were nos. 1–3.
    assert (first["kind"], first["number"], first["credits"]) == ("credit_note", 4, bolig.pk)
    assert (first["subtotal_ore"], first["vat_ore"], first["total_ore"]) == (
        107_914,
        26_979,
        134_893,
    )
    assert first["due_on"] is None and first["period"] == "2025-04"
    assert [(row["position"], row["amount_ore"]) for row in first["lines"]] == [
        (drift.position, 107_914)
    ]
    assert first["lines"][0]["description"].startswith(f"Kreditering af faktura {bolig.number}")
    event = AuditEvent.objects.get(action="billing.invoice.credited")
    assert event.actor == finance and event.changes["reason"] == [None, "Forkert andel af driften"]

    # The rest (no lines named): 120.000 + 1.753.247 = 1.873.247 øre. VAT: 25 % of all
    # credited, 1.981.161 → 495.290,25 → 495.290, less the 26.979 already credited = 468.311.
    rest = client.post(
        f"{API}{bolig.pk}/credit/", {"reason": "Fejlagtig faktura"}, content_type="application/json"
    )
    assert rest.status_code == 201, rest.content
    second = rest.json()
    assert (second["number"], second["subtotal_ore"], second["vat_ore"], second["total_ore"]) == (
        5,
        1_873_247,
        468_311,
        2_341_558,
    )
    # Together exactly the invoice, to the øre: 134.893 + 2.341.558 = 2.476.451.
    assert first["total_ore"] + second["total_ore"] == bolig.total_ore
    again = client.post(
        f"{API}{bolig.pk}/credit/", {"reason": "igen"}, content_type="application/json", **EN
    )
    assert again.status_code == 400
    assert "already been credited" in str(again.json())

    # April: the corrected amount as an adjustment line (50.000 + 25 % = 62.500 øre).
    april = Period.objects.get(month=APRIL)
    services.close_period(april)
    rebilled = april.invoices.get(organisation=bolig.organisation, kind="invoice")
    adjustment = rebilled.lines.get(kind="adjustment")
    assert adjustment.amount_ore == 50_000
    assert adjustment.description == (
        f"Korrektion af faktura {bolig.number} (2025-03): Forkert andel af driften"
    )
    assert (rebilled.subtotal_ore, rebilled.total_ore) == (50_000, 62_500)

    # The documents: a credit note's PDF has no due date, its e-invoice passes the rules.
    note = Invoice.objects.get(number=4)
    document = client.get(f"/billing/credit-notes/{note.pk}.pdf")
    assert document.status_code == 200
    text = pdf_text(b"".join(document.streaming_content))
    assert "Kreditnota nr. 4" in text and "Krediterer faktura" in text
    assert "Forfaldsdato" not in text and "Årsag" in text
    files = []
    for number in (4, 5):
        xml = client.get(f"/billing/credit-notes/{Invoice.objects.get(number=number).pk}.xml")
        assert xml.status_code == 200
        path = Path(tmp_path) / f"{number}.xml"
        path.write_bytes(b"".join(xml.streaming_content))
        files.append(path)
    validate(*files)
    assert b"<cbc:CreditNoteTypeCode>381" in files[0].read_bytes()
    assert peppol.document(note, office=tenants.office()) == files[0].read_bytes()


def test_bad_input_is_refused_and_nothing_is_saved(
    march, office, aarhus, finance, make_user, site_client
):
    aarhus_invoice, bolig = march
    client = site_client(office, finance)
    before = saved()
    aarhus_line = aarhus_invoice.lines.first()
    draft = Invoice.objects.create(
        period=services.get_period(date(2025, 5, 1)),
        organisation=bolig.organisation,
        vat_status="standard",
        vat_rate="0.25",
        subtotal_ore=0,
        vat_ore=0,
        total_ore=0,
    )
    cases = [
        (bolig.pk, {"reason": "   "}, "reason"),
        (bolig.pk, {}, "reason"),
        (bolig.pk, {"reason": "x", "lines": []}, "lines"),
        (bolig.pk, {"reason": "x", "lines": [aarhus_line.pk]}, "lines"),
        (bolig.pk, {"reason": "x", "lines": [line(bolig, "Drift").pk] * 2}, "lines"),
        (bolig.pk, {"reason": "x", "lines": ["Drift"]}, "lines"),
        (bolig.pk, {"reason": "x", "rebill_ore": -1}, "rebill_ore"),
        (bolig.pk, {"reason": "x", "rebill_ore": "1.250,50"}, "rebill_ore"),
        (bolig.pk, {"reason": "x" * 301}, "reason"),
        (draft.pk, {"reason": "x"}, "non_field_errors"),
    ]
    for pk, body, field in cases:
        response = client.post(f"{API}{pk}/credit/", body, content_type="application/json", **EN)
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["error"]["fields"], (body, response.json())
    listed = client.post(f"{API}{bolig.pk}/credit/", [1], content_type="application/json")
    assert listed.status_code == 400
    assert client.post(f"{API}999999/credit/", {"reason": "x"}, "application/json").status_code == (
        404
    )
    assert saved() == before
    # A credit note cannot be credited, nor can a line be credited twice.
    note, _ = services.credit_invoice(bolig, reason="Drift", lines=[line(bolig, "Drift").pk])
    after_one = saved()
    for pk, body in (
        (note.pk, {"reason": "x"}),
        (bolig.pk, {"reason": "x", "lines": [line(bolig, "Drift").pk]}),
    ):
        response = client.post(f"{API}{pk}/credit/", body, content_type="application/json", **EN)
        assert response.status_code == 400, response.content
    assert "Only a closed invoice" in str(
        client.post(f"{API}{note.pk}/credit/", {"reason": "x"}, "application/json", **EN).json()
    )
    assert saved() == after_one


def test_only_the_offices_finance_staff_may_credit(
    march, office, aarhus, finance, make_user, site_client
):
    aarhus_invoice, bolig = march
    admin = make_user("admin@robotkontor.dk", office, Role.OFFICE_ADMIN)
    member_finance = make_user("okonomi@aarhus.dk", aarhus, Role.FINANCE)
    before = saved()
    body = {"reason": "Forkert"}
    assert site_client(office, admin).post(
        f"{API}{bolig.pk}/credit/", body, "application/json"
    ).status_code == (403)
    assert site_client(office).post(
        f"{API}{bolig.pk}/credit/", body, "application/json"
    ).status_code in (401, 403)
    member = site_client(aarhus, member_finance)
    # A member's finance staff can neither credit its own invoice nor another member's.
    for pk in (aarhus_invoice.pk, bolig.pk):
        assert member.post(f"{API}{pk}/credit/", body, "application/json").status_code == 403
    assert member.get(f"{API}{bolig.pk}/").status_code == 404
    assert saved() == before


def test_a_member_that_has_left_can_still_be_credited(march, office, finance, site_client):
    _aarhus, bolig = march
    services.set_member_term(
        organisation=bolig.organisation, joined_on=date(2025, 3, 17), left_on=date(2025, 3, 31)
    )
    response = site_client(office, finance).post(
        f"{API}{bolig.pk}/credit/",
        {"reason": "Timerne hørte til en anden", "lines": [line(bolig, "staff_hours").pk]},
        content_type="application/json",
    )
    # 1,5 h × 800,00 kr = 120.000 øre, VAT 30.000.
    assert response.status_code == 201, response.content
    assert response.json()["total_ore"] == 150_000
    # The corrected amount is billed in April although the member left in March.
    services.credit_invoice(
        bolig, reason="Rettet antal", lines=[line(bolig, "Drift").pk], rebill_ore=10_000
    )
    april = Period.objects.get(month=APRIL)
    services.close_period(april)
    rebilled = april.invoices.get(organisation=bolig.organisation, kind="invoice")
    assert (rebilled.subtotal_ore, rebilled.vat_ore, rebilled.total_ore) == (10_000, 2_500, 12_500)


def test_the_credit_endpoint_is_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/billing/invoices/{id}/credit/" in schema["paths"]
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "Credit" in message or "credit" in message or "Invoice" in message
    ]
    assert problems == []


# --- The pages ----------------------------------------------------------------------------


def test_finance_credits_lines_through_the_page(march, office, finance, site_client):
    _aarhus, bolig = march
    client = site_client(office, finance)
    page = client.get(f"/billing/periods/{bolig.period_id}/", **EN).content.decode()
    assert f'href="/billing/invoices/{bolig.pk}/credit/"' in page
    assert "will be numbered and can no longer be changed" not in page  # March is closed
    form = client.get(f"/billing/invoices/{bolig.pk}/credit/", **EN)
    assert form.status_code == 200
    html = form.content.decode()
    assert "data-confirm=" in html and "can never be changed or withdrawn" in html
    assert "Boligselskabet" in html and "2025-04" in html
    # Found by its number from the credit notes page.
    found = client.get(f"/billing/credit-notes/?invoice={bolig.number}")
    assert found.status_code == 302 and found.url == f"/billing/invoices/{bolig.pk}/credit/"
    missing = client.get("/billing/credit-notes/?invoice=12ab", follow=True, **EN)
    assert "No closed invoice has the number 12ab" in missing.content.decode()

    before = saved()
    drift, licenser = line(bolig, "Drift"), line(bolig, "Licenser")
    refused = [
        {"lines": [drift.pk], "reason": ""},
        {"lines": [], "reason": "Forkert"},
        {"lines": [drift.pk], "reason": "Forkert", "corrected_amount": "12,3,4"},
        {"lines": [drift.pk], "reason": "Forkert", "corrected_amount": "-5"},
        {"lines": [_aarhus.lines.first().pk], "reason": "Forkert"},
    ]
    for data in refused:
        response = client.post(f"/billing/invoices/{bolig.pk}/credit/", data, **EN)
        assert response.status_code == 400, data
    danish = client.post(f"/billing/invoices/{bolig.pk}/credit/", {"lines": [drift.pk]})
    assert "Angiv begrundelsen for rettelsen." in danish.content.decode()
    assert saved() == before

    response = client.post(
        f"/billing/invoices/{bolig.pk}/credit/",
        {
            "lines": [drift.pk, licenser.pk],
            "reason": "Forkert fordeling",
            "corrected_amount": "1.250,50",
        },
        follow=True,
        **EN,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Credit note no. 4 is issued for invoice no. {bolig.number}." in html
    # 107.914 + 1.753.247 = 1.861.161 øre; VAT 465.290,25 → 465.290; total 2.326.451.
    note = Invoice.objects.get(number=4)
    assert (note.subtotal_ore, note.vat_ore, note.total_ore) == (1_861_161, 465_290, 2_326_451)
    assert "23.264,51 kr" in html and "Forkert fordeling" in html
    assert Adjustment.objects.get().amount_ore == 125_050
    # Only the staff hours are left to credit; the others are listed with their note.
    again = client.get(f"/billing/invoices/{bolig.pk}/credit/", **EN).content.decode()
    assert f'value="{line(bolig, "staff_hours").pk}"' in again
    assert f'value="{drift.pk}"' not in again
    assert "credit note no. 4" in again
    twice = client.post(
        f"/billing/invoices/{bolig.pk}/credit/", {"lines": [drift.pk], "reason": "igen"}, **EN
    )
    assert twice.status_code == 400


def test_a_draft_cannot_be_credited_and_others_may_not(
    partnership, office, aarhus, finance, make_user, site_client
):
    period = services.get_period(MARCH)
    services.preview_period(period)
    draft = period.invoices.first()
    client = site_client(office, finance)
    page = client.get(f"/billing/invoices/{draft.pk}/credit/", **EN)
    assert page.status_code == 200
    assert 'data-testid="not-creditable"' in page.content.decode()
    assert 'data-testid="credit-form"' not in page.content.decode()
    refused = client.post(f"/billing/invoices/{draft.pk}/credit/", {"reason": "x"}, **EN)
    assert refused.status_code == 400
    admin = make_user("admin@robotkontor.dk", office, Role.OFFICE_ADMIN)
    operator = make_user("operator@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    assert (
        site_client(office, admin).get(f"/billing/invoices/{draft.pk}/credit/").status_code == 200
    )
    assert (
        site_client(office, admin).post(f"/billing/invoices/{draft.pk}/credit/", {}).status_code
        == 403
    )
    assert site_client(office, operator).get("/billing/credit-notes/").status_code == 403
    member_finance = make_user("okonomi@aarhus.dk", aarhus, Role.FINANCE)
    assert site_client(aarhus, member_finance).get("/billing/credit-notes/").status_code == 404
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count() == 0


def test_irreversible_finance_actions_name_their_consequence(
    office, aarhus, odense, finance, site_client
):
    services.create_rate_card(
        name="Takster 2025", valid_from=date(2025, 1, 1), robot_minute_price=2, staff_hour_price=800
    )
    period = services.get_period(MARCH)
    services.create_cost_pool(period=period, name="Løn", amount_ore=100_000_00, key="equal")
    client = site_client(office, finance)
    page = client.get(f"/billing/periods/{period.pk}/").content.decode()
    assert (
        'data-confirm="Perioden 2025-03 lukkes: fakturaerne beregnes og nummereres og kan ikke'
        ' ændres bagefter."' in page
    )
    assert (
        'data-confirm="Omkostningspuljen Løn (100.000,00 kr) slettes og fordeles ikke længere'
        ' på fakturaerne for 2025-03."' in page
    )
    services.preview_period(period)  # two draft invoices, one per member
    page = client.get(f"/billing/periods/{period.pk}/").content.decode()
    assert (
        "Perioden 2025-03 lukkes: 2 fakturaer (ved sidste forhåndsvisning) nummereres og kan"
        " ikke ændres bagefter." in page
    )
    english = client.get(f"/billing/periods/{period.pk}/", **EN).content.decode()
    assert "The period 2025-03 will be closed: 2 invoices (as at the last preview)" in english
    cards = client.get("/billing/rate-cards/").content.decode()
    assert "Takster 2025 slutter på den sidste dag, du har angivet, og kan ikke gøres" in cards
