"""Reads of joining and leaving: a member's onboarding checklist, its state in the
partnership, and the data-processing register."""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from billing.models import MemberTerm
from governance.models import GovernanceRecord
from members.models import DataProcessingAgreement, Departure, Processor
from tenants.models import Invitation, KeyFigure, Membership, Organisation, Role
from tenants.services import site_host
from tenants.services.sso import sso_of


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    # Optional items (single sign-on) never hold the member back.
    optional: bool = False
    note: str = ""


def members() -> QuerySet[Organisation]:
    return Organisation.objects.exclude(kind=Organisation.Kind.OFFICE).order_by("name")


def term_of(organisation: Organisation) -> MemberTerm | None:
    return MemberTerm.objects.filter(organisation=organisation).first()


def departure_of(organisation: Organisation) -> Departure | None:
    return Departure.objects.filter(organisation=organisation).first()


def agreements_of(organisation: Organisation) -> QuerySet[DataProcessingAgreement]:
    return DataProcessingAgreement.objects.filter(organisation=organisation)


def checklist(organisation: Organisation) -> list[ChecklistItem]:
    """What onboarding has done and what is still missing before the member can order
    robots (every item but the optional ones done)."""
    # A municipality is invoiced electronically (NemHandel/Peppol) to its EAN number.
    needs_ean = organisation.kind == Organisation.Kind.MUNICIPALITY
    details = bool(
        organisation.cvr
        and (organisation.ean or not needs_ean)
        and organisation.street
        and organisation.postcode
        and organisation.city
    )
    administrators = Membership.objects.filter(
        organisation=organisation, role=Role.MEMBER_ADMIN, user__is_active=True
    ).exists()
    invited = any(
        invitation.is_open
        for invitation in Invitation.objects.filter(
            organisation=organisation, role=Role.MEMBER_ADMIN, accepted_at__isnull=True
        )
    )
    return [
        ChecklistItem(
            "details",
            _("Organisation details: CVR, address, and EAN for a municipality"),
            details,
        ),
        ChecklistItem(
            "site", _("Site address"), organisation.domains.exists(), note=site_host(organisation)
        ),
        ChecklistItem("term", _("Date it joins"), term_of(organisation) is not None),
        ChecklistItem(
            "key_figures",
            _("Key figures for the distribution keys"),
            KeyFigure.objects.filter(organisation=organisation).exists(),
        ),
        ChecklistItem(
            "administrator",
            _("First administrator"),
            administrators,
            note=str(_("Invited, not accepted yet")) if invited and not administrators else "",
        ),
        ChecklistItem("sso", _("Single sign-on"), sso_of(organisation).exists(), optional=True),
        ChecklistItem(
            "agreement",
            _("Signed data-processing agreement"),
            agreements_of(organisation).exists(),
        ),
    ]


def can_order_robots(items: list[ChecklistItem]) -> bool:
    return all(item.done for item in items if not item.optional)


def due_leavings(today: date) -> QuerySet[Organisation]:
    """Members whose leave date has come and whose leaving has not yet run to its end."""
    return members().filter(billing_term__left_on__lte=today, is_active=True)


@dataclass
class RegisterEntry:
    """One member in the data-processing register (art. 30(2))."""

    organisation: Organisation
    agreement: DataProcessingAgreement | None
    term: MemberTerm | None
    categories: list[str] = field(default_factory=list)
    media_folders: list[str] = field(default_factory=list)


def media_folders(organisation: Organisation) -> list[str]:
    """Where the member's files are kept under MEDIA_ROOT."""
    schema = organisation.schema_name
    return [
        f"{settings.MEDIA_ROOT}/workitems/{schema}/",
        f"{settings.MEDIA_ROOT}/members/{schema}/",
    ]


def register() -> list[RegisterEntry]:
    organisations = list(members().select_related("billing_term"))
    latest = {}
    for agreement in DataProcessingAgreement.objects.order_by("organisation", "-signed_on", "-pk"):
        latest.setdefault(agreement.organisation_id, agreement)
    categories: dict[int, set[str]] = {}
    for organisation_id, names in GovernanceRecord.objects.filter(
        deployment__isnull=False
    ).values_list("organisation_id", "personal_data_categories"):
        categories.setdefault(organisation_id, set()).update(names)
    return [
        RegisterEntry(
            organisation=organisation,
            agreement=latest.get(organisation.pk),
            term=getattr(organisation, "billing_term", None),
            categories=sorted(categories.get(organisation.pk, ()), key=str.casefold),
            media_folders=media_folders(organisation),
        )
        for organisation in organisations
    ]


def processors() -> QuerySet[Processor]:
    return Processor.objects.all()
