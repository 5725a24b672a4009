# ruff: noqa: F811
"""Finance corrects a member's invoicing details on the office console, and the next invoice
PDF and e-invoice downloaded from the period page show them."""

import io
import zipfile

import pytest
from lxml import etree
from pypdf import PdfReader

from billing.exports import peppol
from core.models import AuditEvent
from tenants.models import Organisation
from tenants.services import MEMBER_DETAIL_FIELDS
from tests.billing.test_example_partnership import partnership  # noqa: F401
from tests.billing.test_exports import closed  # noqa: F401

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NS = {"cbc": peppol.CBC, "cac": peppol.CAC}


def details_of(organisation: Organisation, **changes) -> dict:
    fields = MEMBER_DETAIL_FIELDS
    return {field: getattr(organisation, field) for field in fields} | changes


def test_the_next_invoice_shows_the_corrected_ean_and_buyer_reference(
    closed, office, finance, site_client
):
    period, _a, b, _c = closed
    odense = Organisation.objects.get(pk=b.organisation_id)
    client = site_client(office, finance)

    response = client.post(
        f"/organisations/{odense.slug}/edit/",
        details_of(odense, ean="5790000123452", buyer_reference="Rekv. 4711"),
        **EN,
    )
    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{odense.slug}/"

    pdf = client.get(f"/billing/periods/{period.pk}/invoices/{b.pk}.pdf")
    document = b"".join(pdf.streaming_content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    assert "Deres ref.: Rekv. 4711" in text

    archive = client.get(f"/billing/periods/{period.pk}/downloads/peppol.zip")
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as files:
        xml = etree.fromstring(files.read(f"faktura-{b.number}.xml"))
    assert xml.findtext("cbc:BuyerReference", namespaces=NS) == "Rekv. 4711"
    buyer = xml.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert buyer.findtext("cbc:EndpointID", namespaces=NS) == "5790000123452"

    event = AuditEvent.objects.get(action="tenants.organisation.details_changed")
    assert event.actor == finance
    assert event.changes == {
        "ean": ["5798000000131", "5790000123452"],
        "buyer_reference": ["", "Rekv. 4711"],
    }


def test_the_office_bank_account_edited_on_the_console_is_where_the_pdf_says_to_pay(
    closed, office, finance, site_client
):
    period, _a, b, _c = closed
    client = site_client(office, finance)
    office.refresh_from_db()
    data = {
        field: getattr(office, field)
        for field in ("name", "cvr", "ean", "street", "postcode", "city")
    } | {"bank_reg_no": "1234", "bank_account_no": "0012345678", "iban": ""}
    response = client.post("/office/details/", data, **EN)
    assert response.status_code == 302
    pdf = client.get(f"/billing/periods/{period.pk}/invoices/{b.pk}.pdf")
    document = b"".join(pdf.streaming_content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    assert "Reg.nr. 1234, kontonr. 0012345678" in text
