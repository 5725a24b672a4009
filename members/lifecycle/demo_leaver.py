"""Demo for `make run`: Boligselskabet Skanderborg (a made-up housing organisation) joined
the partnership on the 10th five months ago and left on the last day of last month, so the
history's closes bill it for its days as a member and last month's close gives it its final
invoice; its site is closed to its people. Once the history is closed, its data export is
made (the archive, with its checksum, is on the office console); it is not erased, so the
office can download the export and erase the member by hand. Loading it twice changes
nothing.

``load`` runs before billing's demo and history (a membership cannot change in a closed
month), ``export`` after them (the archive holds the member's final invoices)."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from billing.models import Period
from billing.months import add_months, current_month
from members.data import services as data
from members.lifecycle import services
from members.lifecycle.demo import AGREEMENT_PDF
from members.models import MemberExport
from tenants import services as tenants_services
from tenants.demo import DEMO_PASSWORD, gln
from tenants.models import KeyFigure, Organisation, Role, User

SLUG = "boligskanderborg"
LEAVER = {
    "name": "Boligselskabet Skanderborg",
    "slug": SLUG,
    "kind": Organisation.Kind.HOUSING,
    # Made up; the check digits are valid (stdnum's dk.cvr, as tenants' validators check).
    "cvr": "36000015",
    "ean": gln("579800571700"),
    "buyer_reference": "Administrationen",
    "street": "Adelgade 10",
    "postcode": "8660",
    "city": "Skanderborg",
    "contact_name": "Administrationen",
    "contact_email": "robot@boligskanderborg.dk",
    "vat_status": Organisation.VatStatus.STANDARD,
}
ADMIN_EMAIL = "admin@boligskanderborg.dk"
# Made up, as the organisation is: the housing-units key needs its figure.
HOUSING_UNITS = 1_850
# Joined on this day of the month this many months back; left on the last day of last month.
JOINED = (-5, 10)
REASON = "Udtræder ved aftalens ophør; administrationen overgår til en anden boligorganisation."


def joined_and_left() -> tuple[date, date]:
    months_back, day = JOINED
    this_month = current_month()
    return add_months(this_month, months_back).replace(day=day), this_month - timedelta(days=1)


@transaction.atomic
def load() -> tuple[date, date] | None:
    """Onboard the member and record its leaving; returns the day it joined and its last
    day, or None when it is there or a demo loaded before it closed its months."""
    joined_on, left_on = joined_and_left()
    closed = Period.objects.filter(status__in=Period.FINAL, month__gte=joined_on.replace(day=1))
    if Organisation.objects.filter(slug=SLUG).exists() or closed.exists():
        return None
    admin = User.objects.get(email="admin@robotkontor.dk")
    member = services.join_member(actor=admin, joined_on=joined_on, **LEAVER)
    services.add_key_figure(
        organisation=member,
        actor=admin,
        kind=KeyFigure.Kind.HOUSING_UNITS,
        value=Decimal(HOUSING_UNITS),
        valid_from=date(joined_on.year, 1, 1),
        source="Organisationens årsberetning",
    )
    administrator = tenants_services.create_user(
        email=ADMIN_EMAIL, password=DEMO_PASSWORD, full_name="Administrator, Skanderborg"
    )
    tenants_services.add_member(user=administrator, organisation=member, role=Role.MEMBER_ADMIN)
    services.add_agreement(
        organisation=member,
        version="2.1",
        signed_on=joined_on - timedelta(days=7),
        document=ContentFile(AGREEMENT_PDF, name="databehandleraftale-skanderborg.pdf"),
        actor=admin,
    )
    decided_on = add_months(left_on.replace(day=1), -2).replace(day=14)
    services.record_leaving(
        organisation=member,
        left_on=left_on,
        reason=REASON,
        decision_reference=f"Bestyrelsesmøde {decided_on:%d.%m.%Y}, punkt 4",
        actor=admin,
        today=timezone.localdate(),
    )
    return joined_on, left_on


def export() -> MemberExport | None:
    """Make the member's data export (synchronously, as the worker's task would); None when
    it is made or the member is not there."""
    member = Organisation.objects.filter(slug=SLUG).first()
    if member is None or data.latest_export(member) is not None:
        return None
    admin = User.objects.get(email="admin@robotkontor.dk")
    office = tenants_services.office()
    requested = data.request_export(actor=admin, site=office, organisation=member)
    return data.build_export(requested.pk)
