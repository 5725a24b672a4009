# ruff: noqa: F811
"""Exports of a closed period: Peppol documents pass the official Schematron rules, the
tables open in Excel the Danish way, the PDF is a PDF, and the command marks the period."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from billing import services
from billing.exports import peppol
from billing.models import FinancingModel
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
    # Bolig has no EAN: reached by its CVR, referenced by the invoice number.
    housing = etree.parse(files[2])
    assert housing.findtext("cbc:BuyerReference", namespaces=NS) == str(c.number)
    assert housing.find("cac:AccountingCustomerParty//cbc:EndpointID", NS).get("schemeID") == (
        "0184"
    )
