"""Demo for `make run`: Horsens Kommune joined the partnership on the 11th of this month, so
billing shares out this month's pools to it for the days it has been a member. Its
onboarding is complete: key figure, administrator, signed data-processing agreement. The
office's processors fill the data-processing register. Loading it twice changes nothing."""

from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from billing import services as billing
from billing.models import CostPool, KeyKind
from members.lifecycle import services
from members.models import Processor
from tenants import services as tenants_services
from tenants.demo import DEMO_PASSWORD
from tenants.models import KeyFigure, Organisation, Role, User

SLUG = "horsens"
HORSENS = {
    "name": "Horsens Kommune",
    "slug": SLUG,
    "kind": Organisation.Kind.MUNICIPALITY,
    "cvr": "29189676",
    "ean": "5798005566779",
    "buyer_reference": "Digitalisering",
    "street": "Rådhustorvet 4",
    "postcode": "8700",
    "city": "Horsens",
    "contact_name": "Digitalisering",
    "contact_email": "digitalisering@horsens.dk",
    "vat_status": Organisation.VatStatus.STANDARD,
}
# Statistics Denmark, FOLK1A, 1 January 2024.
POPULATION = 98_236
# Its share of the licences, taken from Aarhus's (the fixed percentages still add up to 100).
LICENCE_SHARE = 5
PROCESSORS = [
    ("Driftscentret A/S", "Servere, database og backup", "Danmark"),
    ("Mailudsendelse ApS", "Udsendelse af e-mail (invitationer og notifikationer)", "EU/EØS"),
]
# A one-page PDF saying what the demo agreement is.
AGREEMENT_PDF = b"""%PDF-1.4
1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R
/Resources<</Font<</F1 5 0 R>>>>>>endobj
4 0 obj<</Length 62>>stream
BT /F1 14 Tf 72 770 Td (Databehandleraftale, demo, version 2.1) Tj ET
endstream endobj
5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj
trailer<</Root 1 0 R>>
%%EOF
"""


@transaction.atomic
def load() -> str | None:
    """Onboard Horsens Kommune; returns the date it joined, or None when it is there."""
    if Organisation.objects.filter(slug=SLUG).exists():
        return None
    admin = User.objects.get(email="admin@robotkontor.dk")
    today = timezone.localdate()
    joined_on = today.replace(day=11)
    horsens = services.join_member(actor=admin, joined_on=joined_on, **HORSENS)
    services.add_key_figure(
        organisation=horsens,
        actor=admin,
        kind=KeyFigure.Kind.POPULATION,
        value=POPULATION,
        valid_from=date(today.year, 1, 1),
        source="Danmarks Statistik, FOLK1A",
    )
    administrator = tenants_services.create_user(
        email="admin@horsens.dk", password=DEMO_PASSWORD, full_name="Administrator, Horsens"
    )
    tenants_services.add_member(user=administrator, organisation=horsens, role=Role.MEMBER_ADMIN)
    services.add_agreement(
        organisation=horsens,
        version="2.1",
        signed_on=min(today, joined_on.replace(day=1)),
        document=ContentFile(AGREEMENT_PDF, name="databehandleraftale-horsens.pdf"),
        actor=admin,
    )
    _share_licences(horsens, today)
    for name, service, location in PROCESSORS:
        if not Processor.objects.filter(name=name).exists():
            services.save_processor(actor=admin, name=name, service=service, location=location)
    return joined_on.isoformat()


def _share_licences(horsens: Organisation, today: date) -> None:
    """This month's fixed-percentage pools give Horsens its share, so the month closes."""
    period = billing.get_period(billing.month_of(today))
    aarhus = Organisation.objects.filter(slug="aarhus").first()
    for pool in CostPool.objects.filter(period=period, key=KeyKind.FIXED):
        percentages = dict(pool.key_params.get("percentages") or {})
        if aarhus is None or str(aarhus.pk) not in percentages:
            continue
        percentages[str(aarhus.pk)] = percentages[str(aarhus.pk)] - LICENCE_SHARE
        percentages[str(horsens.pk)] = LICENCE_SHARE
        billing.update_cost_pool(pool, key_params={**pool.key_params, "percentages": percentages})
