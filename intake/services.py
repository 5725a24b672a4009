"""The only writers of the intake pipeline. Every change is audited in its transaction."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from catalog import services as catalog_services
from catalog.models import Robot
from core import audit
from governance import services as governance
from intake import selectors
from intake.models import (
    Idea,
    IdeaComment,
    IdeaParticipant,
    PossibleDuplicate,
    ScoringWeights,
)
from tenants import permissions
from tenants.services import office

Status = Idea.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.IDEA: frozenset({Status.ASSESSMENT, Status.REJECTED}),
    Status.ASSESSMENT: frozenset({Status.IDEA, Status.APPROVED, Status.REJECTED}),
    Status.APPROVED: frozenset({Status.IN_DEVELOPMENT, Status.REJECTED}),
    Status.IN_DEVELOPMENT: frozenset({Status.TEST, Status.REJECTED}),
    Status.TEST: frozenset({Status.LIVE, Status.IN_DEVELOPMENT}),
    Status.LIVE: frozenset(),
    Status.REJECTED: frozenset({Status.ASSESSMENT}),
}
IDEA_FIELDS = (
    "title",
    "description",
    "volume_per_month",
    "minutes_per_case",
    "rule_based",
    "digital_input",
    "systems",
    "systems_change",
    "exception_rate",
    "legal_basis",
    "contract_allows",
    "personal_data",
    "personal_data_categories",
    "urgency",
)


def may_triage(user) -> bool:
    """Office operators, developers and administrators work the kanban."""
    site = office()
    return permissions.can(user, site, permissions.Capability.OPERATE_ROBOTS) or permissions.can(
        user, site, permissions.Capability.MANAGE_CATALOG
    )


def may_approve(user) -> bool:
    """Approving creates a catalog robot, so it takes someone who manages the catalog."""
    return permissions.can(user, office(), permissions.Capability.MANAGE_CATALOG)


def _may_take_part(actor, organisation, idea: Idea) -> bool:
    """Office staff, the proposing member's people and the people of members who joined."""
    if permissions.membership(actor, organisation) is None:
        return False
    if organisation.is_office or organisation.pk == idea.organisation_id:
        return True
    return IdeaParticipant.objects.filter(idea=idea, organisation=organisation).exists()


@transaction.atomic
def submit_idea(*, organisation, actor, **fields) -> Idea:
    if organisation.is_office or permissions.membership(actor, organisation) is None:
        raise PermissionDenied(_("Ideas are submitted by a member organisation's staff."))
    fields["systems"] = [s.strip() for s in fields.get("systems") or [] if s.strip()]
    idea = Idea(organisation=organisation, submitted_by=actor, **fields)
    idea.full_clean()
    idea.save()
    flags = PossibleDuplicate.objects.bulk_create(
        PossibleDuplicate(
            idea=idea, similar_to=other, similarity=Decimal(str(value)).quantize(Decimal("0.001"))
        )
        for value, other in selectors.find_duplicates(idea)
    )
    audit.record(
        actor=actor,
        action="intake.idea.submitted",
        target=idea,
        organisation=organisation,
        changes={field: str(getattr(idea, field)) for field in IDEA_FIELDS}
        | {"possible_duplicates": [flag.similar_to_id for flag in flags]},
    )
    return idea


@transaction.atomic
def move_idea(*, idea: Idea, to_status: str, actor, reason: str = "") -> Idea:
    """Move an idea across the office's kanban; rejecting needs a reason."""
    if not may_triage(actor):
        raise PermissionDenied(_("Only the office's staff move ideas."))
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    if to_status not in TRANSITIONS.get(idea.status, ()):
        raise ValidationError(
            {
                "to": _("An idea that is %(from)s cannot move to %(to)s.")
                % {
                    "from": Status(idea.status).label,
                    "to": Status(to_status).label if to_status in Status.values else to_status,
                }
            }
        )
    if to_status == Status.REJECTED and not reason.strip():
        raise ValidationError({"reason": _("Say why the idea is rejected.")})
    if to_status == Status.APPROVED and not may_approve(actor):
        raise PermissionDenied(
            _("Approving an idea creates a catalog robot: only office developers may approve.")
        )
    changes = {"status": [idea.status, to_status]}
    if to_status == Status.REJECTED:
        changes["reason"] = reason.strip()
    idea.status = to_status
    idea.rejection_reason = reason.strip() if to_status == Status.REJECTED else ""
    if to_status == Status.APPROVED and idea.robot_id is None:
        idea.robot = _robot_for(idea, actor)
        changes["robot"] = idea.robot.slug
    idea.save()
    if to_status == Status.LIVE:
        governance.register_idea(idea, actor)
    audit.record(
        actor=actor,
        action="intake.idea.moved",
        target=idea,
        organisation=idea.organisation,
        changes=changes,
    )
    return idea


def _robot_for(idea: Idea, actor) -> Robot:
    """An approved idea becomes a catalog robot, linked so benefit can be compared later."""
    return catalog_services.create_robot(
        actor=actor,
        slug=f"{slugify(idea.title)[:70] or 'idea'}-{idea.pk}",
        kind=Robot.Kind.RPA,
        name_da=idea.title,
        summary_da=idea.description[:300],
        description_da=idea.description,
        category=Robot.Category.OTHER,
        systems=idea.systems,
        member_kinds=[idea.organisation.kind],
        maturity=Robot.Maturity.IDEA,
        estimated_minutes_saved=idea.minutes_per_case,
    )


@transaction.atomic
def assess_idea(*, idea: Idea, actor, assignee=None, estimated_build_hours=None) -> Idea:
    if not may_triage(actor):
        raise PermissionDenied(_("Only the office's staff assess ideas."))
    if assignee is not None and permissions.membership(assignee, office()) is None:
        raise ValidationError({"assignee": _("The assignee must be one of the office's staff.")})
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    before = {
        "assignee": idea.assignee_id,
        "estimated_build_hours": _stored(idea, "estimated_build_hours"),
    }
    idea.assignee = assignee
    idea.estimated_build_hours = estimated_build_hours
    idea.full_clean()
    idea.save(update_fields=["assignee", "estimated_build_hours", "updated_at"])
    after = {
        "assignee": idea.assignee_id,
        "estimated_build_hours": _stored(idea, "estimated_build_hours"),
    }
    audit.record(
        actor=actor,
        action="intake.idea.assessed",
        target=idea,
        organisation=idea.organisation,
        changes=audit.changed(before, after),
    )
    return idea


@transaction.atomic
def join_idea(*, idea: Idea, organisation, actor) -> IdeaParticipant:
    """Another member shares the development of an idea."""
    if organisation.is_office or permissions.membership(actor, organisation) is None:
        raise PermissionDenied(_("Only a member organisation's staff can join an idea."))
    if idea.organisation_id == organisation.pk:
        raise ValidationError(_("Your organisation proposed this idea."))
    idea = Idea.objects.select_for_update().get(pk=idea.pk)  # not rejected while we join
    if idea.status in (Status.REJECTED, Status.LIVE):
        raise ValidationError(_("This idea can no longer be joined."))
    try:
        with transaction.atomic():
            participant = IdeaParticipant.objects.create(idea=idea, organisation=organisation)
    except IntegrityError:
        raise ValidationError(_("Your organisation has already joined this idea.")) from None
    audit.record(
        actor=actor,
        action="intake.idea.joined",
        target=idea,
        organisation=organisation,
        changes={"organisation": organisation.slug},
    )
    return participant


@transaction.atomic
def comment(*, idea: Idea, actor, organisation, text: str) -> IdeaComment:
    """A comment between the member(s) and the office, written on ``organisation``'s site."""
    if not _may_take_part(actor, organisation, idea):
        raise PermissionDenied(_("You cannot comment on this idea."))
    if not text.strip():
        raise ValidationError({"text": _("Write a comment.")})
    made = IdeaComment.objects.create(idea=idea, author=actor, text=text.strip())
    audit.record(
        actor=actor,
        action="intake.idea.commented",
        target=idea,
        organisation=idea.organisation,
        changes={"comment": made.pk},
    )
    return made


@transaction.atomic
def update_weights(*, actor, **values) -> ScoringWeights:
    if not permissions.can(actor, office(), permissions.Capability.MANAGE_CATALOG):
        raise PermissionDenied(_("Only office developers and administrators change the weights."))
    current, _created = ScoringWeights.objects.select_for_update().get_or_create(pk=1)
    before = {name: _stored(current, name) for name in values}
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    audit.record(
        actor=actor,
        action="intake.weights.changed",
        target=current,
        changes=audit.changed(before, {name: _stored(current, name) for name in values}),
    )
    return current


def _stored(instance, name: str) -> str | None:
    """A value as the database keeps it (decimals to their places), for the audit trail."""
    value = getattr(instance, name)
    if value is None:
        return None
    places = getattr(instance._meta.get_field(name), "decimal_places", None)
    if places is not None:
        value = Decimal(value).quantize(Decimal(1).scaleb(-places))
    return str(value)
