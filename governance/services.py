"""The only writers of the governance register. Every change is checked and audited in
one transaction, so a refused change leaves nothing behind."""

from collections.abc import Mapping
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from governance.models import ContractStatus, GovernanceRecord, validate_systems
from tenants import permissions
from tenants.models import PROCESS_OWNER_ROLES, Membership, Role
from tenants.services import check_process_owner

Capability = permissions.Capability
# A new process's legal basis is first reviewed a year after it goes live.
FIRST_REVIEW_AFTER = timedelta(days=365)
EDITABLE_FIELDS = frozenset(
    {
        "process_owner",
        "legal_basis",
        "review_due",
        "systems",
        "personal_data_categories",
        "dpia_needed",
        "dpia_done",
        "notes",
    }
)


def may_edit(record: GovernanceRecord, user, site) -> bool:
    """The member's process owners and administrators on its site; office operators,
    developers and administrators on the office console."""
    if site.is_office:
        return permissions.can(user, site, Capability.OPERATE_ROBOTS)
    return site.pk == record.organisation_id and permissions.can(
        user, site, Capability.APPROVE_ORDERS
    )


def _check_may_edit(record, actor, site) -> None:
    if not may_edit(record, actor, site):
        raise PermissionDenied(
            _(
                "Only the member's process owners and administrators, or the office's "
                "operators, change the governance register."
            )
        )


def _categories(value) -> list[str]:
    """Categories from a list or a comma-separated text, trimmed, without repeats."""
    if isinstance(value, str):
        value = value.split(",")
    seen: dict[str, str] = {}
    for category in value or []:
        category = str(category).strip()
        if category:
            seen.setdefault(category.casefold(), category)
    return list(seen.values())


def _systems(names, contract_allows: str) -> list[dict]:
    status = contract_allows if contract_allows in ContractStatus.values else "unknown"
    seen: dict[str, str] = {}
    for name in names or []:
        name = name.strip()
        if name:
            seen.setdefault(name.casefold(), name)
    return [{"system": name, "contract_allows": status} for name in seen.values()]


def _owner_of(organisation, fallback):
    """The member's process owner (else its administrator) when nobody is named."""
    memberships = Membership.objects.filter(
        organisation=organisation, role__in=PROCESS_OWNER_ROLES, user__is_active=True
    ).select_related("user")
    ranked = sorted(memberships, key=lambda m: (m.role != Role.PROCESS_OWNER, m.pk))
    return ranked[0].user if ranked else fallback


def _create(record: GovernanceRecord, actor) -> GovernanceRecord:
    record.full_clean()
    record.save()
    audit.record(
        actor=actor,
        action="governance.record.created",
        target=record,
        organisation=record.organisation,
        changes=_snapshot(record),
    )
    return record


def _snapshot(record: GovernanceRecord) -> dict:
    return {
        "process_owner": record.process_owner_id,
        "legal_basis": record.legal_basis,
        "review_due": record.review_due.isoformat(),
        "systems": record.systems,
        "personal_data_categories": list(record.personal_data_categories),
        "dpia_needed": record.dpia_needed,
        "dpia_done": record.dpia_done,
        "notes": record.notes,
    }


@transaction.atomic
def register_deployment(deployment, actor) -> GovernanceRecord:
    """Put a new deployment on the register (once), prefilled from the idea behind its
    robot if there is one, else with the robot's systems and their contracts unclarified."""
    existing = GovernanceRecord.objects.filter(deployment=deployment).first()
    if existing is not None:
        return existing
    robot = deployment.robot_version.robot
    idea = getattr(robot, "idea", None)
    record = GovernanceRecord(
        organisation=deployment.organisation,
        deployment=deployment,
        process_owner=deployment.process_owner,
        review_due=timezone.localdate() + FIRST_REVIEW_AFTER,
    )
    if idea is not None:
        record.legal_basis = idea.legal_basis
        record.systems = _systems(idea.systems, idea.contract_allows)
        record.personal_data_categories = _categories(idea.personal_data_categories)
        record.dpia_needed = idea.personal_data
    else:
        record.systems = _systems(robot.systems, ContractStatus.UNKNOWN)
    return _create(record, actor)


@transaction.atomic
def register_idea(idea, actor) -> GovernanceRecord:
    """Put an idea that went live on the register (once), with what the member answered."""
    existing = GovernanceRecord.objects.filter(idea=idea).first()
    if existing is not None:
        return existing
    record = GovernanceRecord(
        organisation=idea.organisation,
        idea=idea,
        process_owner=_owner_of(idea.organisation, fallback=idea.submitted_by),
        legal_basis=idea.legal_basis,
        review_due=timezone.localdate() + FIRST_REVIEW_AFTER,
        systems=_systems(idea.systems, idea.contract_allows),
        personal_data_categories=_categories(idea.personal_data_categories),
        dpia_needed=idea.personal_data,
    )
    return _create(record, actor)


def _checked_systems(systems) -> list[dict]:
    """The systems as plain dicts, refused with a field error unless well-formed."""
    if isinstance(systems, list):
        systems = [dict(entry) if isinstance(entry, Mapping) else entry for entry in systems]
    try:
        validate_systems(systems)
    except ValidationError as error:
        raise ValidationError({"systems": error.messages}) from None
    return [
        {"system": entry["system"].strip(), "contract_allows": entry["contract_allows"]}
        for entry in systems
    ]


def _check_future(value: date, field: str) -> None:
    if value <= timezone.localdate():
        raise ValidationError({field: _("The next review must be after today.")})


@transaction.atomic
def update_record(record: GovernanceRecord, actor, *, site, **fields) -> GovernanceRecord:
    """Change what the register says about a process; only changed fields are audited."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("These cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    record = (
        GovernanceRecord.objects.select_for_update(of=("self",))
        .select_related("organisation", "deployment", "idea")
        .get(pk=record.pk)
    )
    _check_may_edit(record, actor, site)
    before = _snapshot(record)
    if "systems" in fields:
        fields["systems"] = _checked_systems(fields["systems"])
    if "personal_data_categories" in fields:
        fields["personal_data_categories"] = _categories(fields["personal_data_categories"])
    if "process_owner" in fields and fields["process_owner"].pk != record.process_owner_id:
        check_process_owner(fields["process_owner"], record.organisation)
    if "review_due" in fields and fields["review_due"] != record.review_due:
        _check_future(fields["review_due"], "review_due")
    for name, value in fields.items():
        setattr(record, name, value)
    record.full_clean()
    audit.save_changes(
        record,
        before,
        _snapshot(record),
        actor=actor,
        action="governance.record.updated",
        organisation=record.organisation,
        stamp="updated_at",
    )
    return record


@transaction.atomic
def mark_reviewed(
    record: GovernanceRecord, actor, next_review_due: date, *, site
) -> GovernanceRecord:
    """The legal basis was checked against the law today; the next review is set."""
    record = (
        GovernanceRecord.objects.select_for_update(of=("self",))
        .select_related("organisation", "deployment", "idea")
        .get(pk=record.pk)
    )
    _check_may_edit(record, actor, site)
    _check_future(next_review_due, "next_review_due")
    today = timezone.localdate()
    changes = {
        "review_due": [record.review_due.isoformat(), next_review_due.isoformat()],
        "last_reviewed_at": [
            record.last_reviewed_at.isoformat() if record.last_reviewed_at else None,
            today.isoformat(),
        ],
    }
    record.last_reviewed_at = today
    record.review_due = next_review_due
    record.updated_at = timezone.now()
    record.save()
    audit.record(
        actor=actor,
        action="governance.record.reviewed",
        target=record,
        organisation=record.organisation,
        changes=changes,
    )
    return record
