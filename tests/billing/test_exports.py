# ruff: noqa: F811
"""Exports of a closed period: Peppol documents pass the official Schematron rules, the
tables open in Excel the Danish way, the PDF is a PDF, and the command marks the period."""

import csv
import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from lxml import etree
from openpyxl import load_workbook
from pypdf import PdfReader

from billing import services
from billing.exports import pdf, peppol, tables
from billing.models import FinancingModel, Period
from tenants import services as tenants
from tenants.models import Organisation
from tests.billing.test_example_partnership import (  # noqa: F401  (shared fixture)
    MARCH,
    close,
    partnership,
)

pytestmark = pytest.mark.django_db

VALIDATOR = Path("/work/shared/einvoice/validate.py")
NS = {"cbc": peppol.CBC, "cac": peppol.CAC}


@pytest.fixture
def closed(partnership):
    aarhus, odense, _bolig = partnership
    for member, ean in ((aarhus, "5798000000124"), (odense, "5798000000131")):
        Organisation.objects.filter(pk=member.pk).update(
            ean=ean, street="Rådhuspladsen 2", postcode="8000", city="Aarhus C"
        )
    office = tenants.office()
    office.street, office.postcode, office.city = "Kontorvej 1", "5000", "Odense C"
    office.save()
    return close(FinancingModel.USAGE_PLUS_SPLIT, partnership)


def validate(*files: Path) -> str:
    result = subprocess.run(
        [sys.executable, str(VALIDATOR), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FATAL" not in result.stdout
    return result.stdout


def export(export_format: str, out: Path, month: str = "2025-03") -> str:
    """Run the command as an English-speaking finance officer would (messages in English)."""
    stdout = io.StringIO()
    with translation.override("en"):
        call_command(
            "export_invoices", month, "--format", export_format, "--out", str(out), stdout=stdout
        )
    return stdout.getvalue()


def kroner(ore: int) -> Decimal:
    return Decimal(ore) / 100


def test_peppol_invoices_and_credit_note_pass_the_schematron(closed, tmp_path):
    _period, a, b, c = closed
    note, _adjustment = services.credit_invoice(b, reason="Forkert indbyggertal")
    office = tenants.office()
    files = []
    for document in (a, b, c, note):
        path = tmp_path / f"{document.number}.xml"
        path.write_bytes(peppol.document(document, office=office))
        files.append(path)
    validate(*files)

    exempt = etree.parse(files[0])
    assert exempt.findtext("cbc:BuyerReference", namespaces=NS) == "5798000000124"
    assert exempt.find("cac:AccountingCustomerParty//cbc:EndpointID", NS).attrib == {
        "schemeID": "0088"
    }
    assert exempt.findtext("cac:TaxTotal//cac:TaxCategory/cbc:ID", namespaces=NS) == "E"
    assert exempt.findtext("cac:TaxTotal//cbc:TaxExemptionReason", namespaces=NS)
    supplier = exempt.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert supplier.findtext("cbc:EndpointID", namespaces=NS) == office.cvr
    assert supplier.findtext("cac:PartyTaxScheme/cbc:CompanyID", namespaces=NS) == (
        f"DK{office.cvr}"
    )

    for path, invoice in zip(files, (a, b, c, note), strict=True):
        tree = etree.parse(path)
        totals = tree.find("cac:LegalMonetaryTotal", NS)
        assert Decimal(totals.findtext("cbc:TaxExclusiveAmount", namespaces=NS)) == kroner(
            invoice.subtotal_ore
        )
        assert Decimal(tree.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS)) == kroner(
            invoice.vat_ore
        )
        assert Decimal(totals.findtext("cbc:PayableAmount", namespaces=NS)) == kroner(
            invoice.total_ore
        )
    standard = etree.parse(files[1])
    assert standard.findtext("cac:TaxTotal//cac:TaxCategory/cbc:Percent", namespaces=NS) == "25"
    credit = etree.parse(files[3])
    assert credit.getroot().tag == f"{{{peppol.ROOT_NAMESPACE['credit_note']}}}CreditNote"
    assert credit.findtext(
        "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS
    ) == str(b.number)
    # No bank account configured: no payment means (it is optional).
    assert all(etree.parse(path).find("cac:PaymentMeans", NS) is None for path in files)
    # Bolig has no EAN: reached by its CVR, referenced by the invoice number.
    housing = etree.parse(files[2])
    assert housing.findtext("cbc:BuyerReference", namespaces=NS) == str(c.number)
    assert housing.find("cac:AccountingCustomerParty//cbc:EndpointID", NS).get("schemeID") == (
        "0184"
    )


def write_peppol(documents, office, out: Path) -> list[Path]:
    files = []
    for document in documents:
        path = out / f"{document.number}.xml"
        path.write_bytes(peppol.document(document, office=office))
        files.append(path)
    return files


def test_peppol_uses_the_members_own_buyer_reference(closed, tmp_path):
    _period, a, b, c = closed
    Organisation.objects.filter(pk=b.organisation_id).update(
        buyer_reference="Att. Økonomi, rekv. 4711"
    )
    Organisation.objects.filter(pk=c.organisation_id).update(buyer_reference="Bolig-ref 9")
    note, _adjustment = services.credit_invoice(b, reason="Forkert indbyggertal")
    for invoice in (a, b, c):
        invoice.refresh_from_db()
    files = write_peppol((a, b, c, note), tenants.office(), tmp_path)
    validate(*files)
    references = [etree.parse(path).findtext("cbc:BuyerReference", namespaces=NS) for path in files]
    # Aarhus gave none: its EAN, as before; the others (and the credit note) their own.
    assert references == [
        "5798000000124",
        "Att. Økonomi, rekv. 4711",
        "Bolig-ref 9",
        "Att. Økonomi, rekv. 4711",
    ]


@pytest.mark.parametrize(
    ("bank", "code", "account", "branch"),
    [
        pytest.param(
            {"bank_reg_no": "1234", "bank_account_no": "0012345678"},
            "31",
            "0012345678",
            "1234",
            id="danish-account",
        ),
        pytest.param({"iban": "DK5000400440116243"}, "58", "DK5000400440116243", None, id="iban"),
        pytest.param(
            {"bank_reg_no": "1234", "bank_account_no": "12345678", "iban": "DK5000400440116243"},
            "31",
            "12345678",
            "1234",
            id="both-danish-first",
        ),
    ],
)
def test_peppol_invoice_says_where_to_pay(closed, tmp_path, bank, code, account, branch):
    _period, a, b, c = closed
    Organisation.objects.filter(pk=tenants.office().pk).update(**bank)
    office = tenants.office()
    note, _adjustment = services.credit_invoice(b, reason="Forkert indbyggertal")
    files = write_peppol((a, b, c, note), office, tmp_path)
    validate(*files)
    for path, invoice in zip(files[:3], (a, b, c), strict=True):
        means = etree.parse(path).find("cac:PaymentMeans", NS)
        assert means.findtext("cbc:PaymentMeansCode", namespaces=NS) == code
        assert means.findtext("cbc:PaymentID", namespaces=NS) == str(invoice.number)
        assert means.findtext("cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) == account
        assert (
            means.findtext(
                "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID", namespaces=NS
            )
            == branch
        )
    # A credit note is not paid to the office: no payment means.
    assert etree.parse(files[3]).find("cac:PaymentMeans", NS) is None


def test_csv_tables_open_the_danish_excel_way(closed, tmp_path):
    period, a, _b, _c = closed
    paths = tables.write_csv(period, tmp_path)
    assert {path.name for path in paths} == {
        "fakturaer-2025-03.csv",
        "fakturalinjer-2025-03.csv",
        "fordeling-2025-03.csv",
        "afregning-2025-03.csv",
    }
    raw = (tmp_path / "fakturaer-2025-03.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nummer", "Type", "Medlem"]
    aarhus = next(row for row in rows if row[2] == "Aarhus Kommune")
    assert aarhus[7] == "748717,66" and aarhus[9] == "748717,66"  # 74.871.766 øre
    assert aarhus[5] == a.issued_on.strftime("%d.%m.%Y")

    allocation = (tmp_path / "fordeling-2025-03.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(allocation), delimiter=";"))
    assert rows[0] == [
        "Pulje",
        "Puljebeløb (kr)",
        "Fordelingsnøgle",
        "Medlem",
        "CVR-nr.",
        "Nøgletal (grundlag)",
        "Andel (%)",
        "Beløb (kr)",
    ]
    lon = next(row for row in rows if row[0] == "Løn" and row[3] == "Aarhus Kommune")
    assert lon[6] == "58,82" and lon[7] == "705882,35"
    assert lon[5].startswith("vægtet indbyggertal 250.000 af 425.000")

    settlement = (tmp_path / "afregning-2025-03.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(settlement), delimiter=";"))
    assert rows[0][:4] == ["Medlem", "CVR-nr.", "Forbrug (kr)", "Løn (kr)"]
    assert rows[-1][0] == "I alt"
    # Pools are split exactly: the Løn column sums to the pool.
    assert rows[-1][3] == "1200000,00"


def test_xlsx_has_the_four_sheets(closed, tmp_path):
    period, *_invoices = closed
    (path,) = tables.write_xlsx(period, tmp_path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Fakturaer", "Fakturalinjer", "Fordeling", "Afregning"]
    settlement = workbook["Afregning"]
    total_row = [cell.value for cell in settlement[settlement.max_row]]
    assert total_row[0] == "I alt"
    assert Decimal(str(total_row[3])) == Decimal("1200000.00")


def test_pdf_is_a_danish_invoice(closed):
    _period, _a, b, _c = closed
    document = pdf.document(b, office=tenants.office())
    assert document.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    assert f"Faktura nr. {b.number}" in text
    assert "Odense Kommune" in text and "Robotkontoret" in text
    assert "667.674,14 kr" in text  # 66.767.414 øre, VAT included
    assert "Moms 25 %" in text
    assert "Betalingsreference" not in text  # the office has no bank account yet


def pdf_text(document: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def test_pdf_shows_where_to_pay_and_the_buyer_reference(closed):
    _period, _a, b, _c = closed
    Organisation.objects.filter(pk=tenants.office().pk).update(
        bank_reg_no="1234", bank_account_no="0012345678", iban="DK5000400440116243"
    )
    Organisation.objects.filter(pk=b.organisation_id).update(buyer_reference="Rekv. 4711")
    b.refresh_from_db()
    text = pdf_text(pdf.document(b, office=tenants.office()))
    assert "Reg.nr. 1234, kontonr. 0012345678" in text
    assert "DK50 0040 0440 1162 43" in text
    assert f"Betalingsreference {b.number}" in text
    assert "Deres ref.: Rekv. 4711" in text
    note, _adjustment = services.credit_invoice(b, reason="Forkert indbyggertal")
    credit = pdf_text(pdf.document(note, office=tenants.office()))
    assert "Betalingsreference" not in credit and "Deres ref.: Rekv. 4711" in credit


def test_export_command_writes_the_documents_and_marks_the_period(closed, tmp_path):
    period, a, b, c = closed
    out = export("peppol", tmp_path)
    written = sorted(tmp_path.glob("*.xml"))
    assert [path.name for path in written] == sorted(
        f"faktura-{invoice.number}.xml" for invoice in (a, b, c)
    )
    validate(*written)
    period.refresh_from_db()
    assert period.status == Period.Status.EXPORTED and period.exported_at is not None
    assert "2025-03 exported: 3 files" in out

    call_command(
        "export_invoices",
        "2025-03",
        "--format",
        "pdf",
        "--out",
        str(tmp_path),
        stdout=io.StringIO(),
    )
    assert sorted(path.read_bytes()[:4] for path in tmp_path.glob("*.pdf")) == [b"%PDF"] * 3
    call_command(
        "export_invoices",
        "2025-03",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path),
        stdout=io.StringIO(),
    )
    assert (tmp_path / "afregning-2025-03.xlsx").exists()


def test_export_command_refuses_an_open_period(partnership, tmp_path):
    services.get_period(MARCH)
    with pytest.raises(CommandError, match="2025-03 is not closed"):
        export("csv", tmp_path)
    assert not list(tmp_path.iterdir())
    assert Period.objects.get(month=MARCH).status == Period.Status.OPEN
    with pytest.raises(CommandError, match="YYYY-MM"):
        export("csv", tmp_path, month="marts")
