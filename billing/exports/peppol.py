"""Peppol BIS Billing 3.0 (UBL 2.1) invoices and credit notes for NemHandel.

The supplier is the office (endpoint: its CVR, scheme 0184), the buyer a member (endpoint:
its EAN/GLN location number, scheme 0088; its CVR when it has none). Amounts are the
invoice's own øre, written with two decimals, so the totals are exact.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree

from billing.exports.documents import LINE_KIND_NAMES
from billing.exports.vat import NOT_SUBJECT, VatCategory, vat_category, vat_registered
from billing.models import Invoice, InvoiceLine
from billing.money import ORE_PER_KRONE, round_half_up
from tenants.models import Organisation

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CURRENCY = "DKK"
CVR_SCHEME = "0184"
GLN_SCHEME = "0088"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOT_NAMESPACE = {
    Invoice.Kind.INVOICE: "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    Invoice.Kind.CREDIT_NOTE: "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
# Our units → UN/ECE Recommendation 20 codes.
UNIT_CODES = {"min": "MIN", "timer": "HUR", "stk": "H87", "dage": "DAY", "md": "MON"}
ONE = "C62"


def _cbc(parent, name: str, text: str | None = None, **attributes: str):
    element = etree.SubElement(parent, f"{{{CBC}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def _cac(parent, name: str):
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def _amount(parent, name: str, ore: int):
    kroner = (Decimal(ore) / ORE_PER_KRONE).quantize(Decimal("0.01"))
    return _cbc(parent, name, f"{kroner:f}", currencyID=CURRENCY)


def _plain(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def buyer_reference(invoice: Invoice) -> str:
    """BuyerReference is mandatory in Peppol (or an order reference): the member's own
    reference when it has given one, else its EAN location number, which is how Danish
    public buyers route invoices, else the number."""
    member = invoice.organisation
    return member.buyer_reference or member.ean or str(invoice.number)


def payment_means(root, invoice: Invoice, office: Organisation) -> None:
    """BG-16, credit transfer to the office's account, paid with the invoice number as
    reference: a Danish account (reg. no. as the branch, code 31, as DK-R-006 asks) or else
    an IBAN (code 58, SEPA credit transfer). None without an account; none on a credit
    note either, whose payee account would be the member's, which we do not know."""
    if invoice.kind != Invoice.Kind.INVOICE:
        return
    if office.bank_reg_no and office.bank_account_no:
        code, account, branch = "31", office.bank_account_no, office.bank_reg_no
    elif office.iban:
        code, account, branch = "58", office.iban, ""
    else:
        return
    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", code)
    _cbc(means, "PaymentID", str(invoice.number))
    financial = _cac(means, "PayeeFinancialAccount")
    _cbc(financial, "ID", account)
    _cbc(financial, "Name", office.name)
    if branch:
        _cbc(_cac(financial, "FinancialInstitutionBranch"), "ID", branch)


def _address(party, organisation: Organisation) -> None:
    address = _cac(party, "PostalAddress")
    for name, value in (
        ("StreetName", organisation.street),
        ("CityName", organisation.city),
        ("PostalZone", organisation.postcode),
    ):
        if value:
            _cbc(address, name, value)
    _cbc(_cac(address, "Country"), "IdentificationCode", "DK")


def _contact(party, organisation: Organisation) -> None:
    values = (
        ("Name", organisation.contact_name),
        ("Telephone", organisation.contact_phone),
        ("ElectronicMail", organisation.contact_email),
    )
    if any(value for _name, value in values):
        contact = _cac(party, "Contact")
        for name, value in values:
            if value:
                _cbc(contact, name, value)


def _supplier(root, office: Organisation) -> None:
    party = _cac(_cac(root, "AccountingSupplierParty"), "Party")
    _cbc(party, "EndpointID", office.cvr, schemeID=CVR_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", office.name)
    _address(party, office)
    if vat_registered(office):
        scheme = _cac(party, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", f"DK{office.cvr}")
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", office.name)
    _cbc(legal, "CompanyID", office.cvr, schemeID=CVR_SCHEME)
    _contact(party, office)


def _customer(root, member: Organisation) -> None:
    party = _cac(_cac(root, "AccountingCustomerParty"), "Party")
    if member.ean:
        _cbc(party, "EndpointID", member.ean, schemeID=GLN_SCHEME)
        _cbc(_cac(party, "PartyIdentification"), "ID", member.ean, schemeID=GLN_SCHEME)
    else:
        _cbc(party, "EndpointID", member.cvr, schemeID=CVR_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", member.name)
    _address(party, member)
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", member.name)
    _cbc(legal, "CompanyID", member.cvr, schemeID=CVR_SCHEME)
    _contact(party, member)


def _tax_category(parent, name: str, category: VatCategory, *, reason: bool):
    """BG-23's category with the legal basis of an exemption (code and text); a line's
    category (BG-30) carries no reason."""
    element = _cac(parent, name)
    _cbc(element, "ID", category.code)
    if category.code != NOT_SUBJECT.code:  # BR-O-05, BR-O-10: "not subject" has no rate
        _cbc(element, "Percent", _plain(category.percent))
    if reason and category.exemption_code:
        _cbc(element, "TaxExemptionReasonCode", category.exemption_code)
        _cbc(element, "TaxExemptionReason", category.exemption_text)
    _cbc(_cac(element, "TaxScheme"), "ID", "VAT")


def priced(line: InvoiceLine) -> tuple[Decimal, str, Decimal]:
    """Quantity, unit code and price such that quantity × price is the line's amount to the
    øre; a line whose shown quantity is rounded (summed seconds, pro-rata fees) is billed as
    one unit at its amount, its description keeps the explanation."""
    if round_half_up(line.quantity * line.unit_price * ORE_PER_KRONE) == line.amount_ore:
        return line.quantity, UNIT_CODES.get(line.unit, ONE), line.unit_price
    return Decimal(1), ONE, Decimal(line.amount_ore) / ORE_PER_KRONE


def _line(root, line: InvoiceLine, tag: str, category) -> None:
    element = _cac(root, f"{tag}Line")
    _cbc(element, "ID", str(line.position))
    quantity, unit_code, price = priced(line)
    quantity_tag = "InvoicedQuantity" if tag == "Invoice" else "CreditedQuantity"
    _cbc(element, quantity_tag, _plain(quantity), unitCode=unit_code)
    _amount(element, "LineExtensionAmount", line.amount_ore)
    item = _cac(element, "Item")
    _cbc(item, "Description", line.description)
    _cbc(item, "Name", LINE_KIND_NAMES[line.kind])
    _tax_category(item, "ClassifiedTaxCategory", category, reason=False)
    price_element = _cac(element, "Price")
    _cbc(price_element, "PriceAmount", _plain(price), currencyID=CURRENCY)


def document(invoice: Invoice, *, office: Organisation) -> bytes:
    """The UBL XML of a numbered invoice or credit note, UTF-8 with declaration."""
    if invoice.number is None:
        raise ValidationError(_("Only a numbered (closed) invoice can be exported."))
    tag = "CreditNote" if invoice.kind == Invoice.Kind.CREDIT_NOTE else "Invoice"
    root = etree.Element(
        f"{{{ROOT_NAMESPACE[invoice.kind]}}}{tag}",
        nsmap={None: ROOT_NAMESPACE[invoice.kind], "cac": CAC, "cbc": CBC},
    )
    category = vat_category(invoice, office)
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", str(invoice.number))
    _cbc(root, "IssueDate", invoice.issued_on.isoformat())
    if tag == "Invoice":
        _cbc(root, "DueDate", invoice.due_on.isoformat())
        _cbc(root, "InvoiceTypeCode", "380")
    else:
        _cbc(root, "CreditNoteTypeCode", "381")
    billed = invoice.credits or invoice
    if invoice.reason:
        _cbc(root, "Note", invoice.reason)
    _cbc(root, "DocumentCurrencyCode", CURRENCY)
    _cbc(root, "BuyerReference", buyer_reference(invoice))
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", billed.period.month.isoformat())
    _cbc(period, "EndDate", billed.period.last_day.isoformat())
    if invoice.credits is not None:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", str(invoice.credits.number))
        _cbc(reference, "IssueDate", invoice.credits.issued_on.isoformat())
    _supplier(root, office)
    _customer(root, invoice.organisation)
    payment_means(root, invoice, office)
    terms = _cac(root, "PaymentTerms")
    if invoice.due_on is None:  # a credit note: nothing to pay, no due date
        _cbc(terms, "Note", f"Krediterer faktura {invoice.credits.number}")
    else:
        _cbc(terms, "Note", f"Netto {(invoice.due_on - invoice.issued_on).days} dage")
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", invoice.vat_ore)
    subtotal = _cac(tax_total, "TaxSubtotal")
    _amount(subtotal, "TaxableAmount", invoice.subtotal_ore)
    _amount(subtotal, "TaxAmount", invoice.vat_ore)
    _tax_category(subtotal, "TaxCategory", category, reason=True)
    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", invoice.subtotal_ore)
    _amount(totals, "TaxExclusiveAmount", invoice.subtotal_ore)
    _amount(totals, "TaxInclusiveAmount", invoice.total_ore)
    _amount(totals, "PayableAmount", invoice.total_ore)
    for line in invoice.lines.all():
        _line(root, line, tag, category)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
