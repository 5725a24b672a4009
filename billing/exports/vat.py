"""Why an invoice charges no VAT: the legal basis stated on the PDF and in the e-invoice.

A member outside VAT (a municipality in the joint institution) is billed at 0 %. When the
office is VAT registered, its services to such members are exempt as those of an
independent group of persons that only recovers each member's exact share of the joint
costs (momsloven § 13, stk. 1, nr. 19; VAT Directive art. 132(1)(f)): category E with
the VATEX code of that article. An office that is not VAT registered is not subject to
VAT at all: category O (VATEX-EU-O)."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from billing.models import Invoice
from tenants.models import Organisation


@dataclass(frozen=True)
class VatCategory:
    """EN 16931 VAT category (BT-118), rate in percent, exemption reason code and text
    (BT-121, BT-120; blank for standard-rated), and what the PDF calls it beside "Moms 0 %"."""

    code: str
    percent: Decimal
    exemption_code: str = ""
    exemption_text: str = ""
    label: str = ""


EXEMPT = VatCategory(
    "E",
    Decimal(0),
    "VATEX-EU-132-1F",
    "Momsfritaget, jf. momslovens § 13, stk. 1, nr. 19 (selvstændig gruppe, der alene får "
    "medlemmernes andel af de fælles udgifter godtgjort; momssystemdirektivets art. 132, "
    "stk. 1, litra f)",
    "momsfritaget",
)
NOT_SUBJECT = VatCategory(
    "O",
    Decimal(0),
    "VATEX-EU-O",
    "Ikke momspligtig: leverandøren er ikke momsregistreret og ydelsen er uden for "
    "momslovens anvendelsesområde",
    "ikke momspligtig",
)


def vat_registered(office: Organisation) -> bool:
    return office.vat_status == Organisation.VatStatus.STANDARD


def vat_category(invoice: Invoice, office: Organisation) -> VatCategory:
    """The VAT category of a whole invoice or credit note (one rate per document)."""
    if invoice.vat_rate > 0:
        if not vat_registered(office):
            raise ValidationError(
                _("Invoice %(number)s charges VAT, but the office is not VAT registered.")
                % {"number": invoice.number}
            )
        return VatCategory("S", invoice.vat_rate * 100)
    # BR-E-02: exempt lines need the seller's VAT identifier, which a registered office
    # has; an unregistered one sells "not subject to VAT" (O) instead.
    return EXEMPT if vat_registered(office) else NOT_SUBJECT


def vat_basis(invoice: Invoice, office: Organisation) -> VatCategory | None:
    """The category and legal basis of a document without VAT, as its e-invoice states
    them; None when VAT is charged."""
    if invoice.vat_rate > 0:
        return None
    return EXEMPT if vat_registered(office) else NOT_SUBJECT
