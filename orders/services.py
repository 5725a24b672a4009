"""The only writers of orders. Every change is checked, audited and notified in one
transaction, so a refused change leaves nothing behind and tells nobody."""

from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalog.models import RobotVersion
from catalog.parameters import validate_parameters
from core import audit
from governance import services as governance
from orders.models import Order, OrderComment
from robots import services as deployments
from robots.models import Deployment
from robots.schedules import validate_cron
from tenants import permissions
from tenants.models import PROCESS_OWNER_ROLES, Membership, Role, User
from tenants.services import check_process_owner, notifications, office

Status = Order.Status
Capability = permissions.Capability
OFFICE_HANDLER_ROLES = (Role.OFFICE_OPERATOR, Role.OFFICE_DEVELOPER, Role.OFFICE_ADMIN)
OPEN_STATUSES = (Status.SUBMITTED, Status.APPROVED, Status.ACCEPTED, Status.TESTING)
CONFIGURABLE_STATUSES = (Status.APPROVED, Status.ACCEPTED, Status.TESTING)


class Action(StrEnum):
    APPROVE = "approve"
    ACCEPT = "accept"
    START_TEST = "start_test"
    SEND_BACK = "send_back"
    ACTIVATE = "activate"
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"


ACTION_LABELS = {
    Action.APPROVE: gettext_noop("Approve"),
    Action.ACCEPT: gettext_noop("Accept"),
    Action.START_TEST: gettext_noop("Start test"),
    Action.SEND_BACK: gettext_noop("Back to configuration"),
    Action.ACTIVATE: gettext_noop("Activate"),
    Action.PAUSE: gettext_noop("Pause"),
    Action.RESUME: gettext_noop("Resume"),
    Action.CANCEL: gettext_noop("Cancel order"),
}

# action: (the statuses it starts from, the status it leads to; None = the one paused from)
TRANSITIONS: dict[Action, tuple[tuple[str, ...], str | None]] = {
    Action.APPROVE: ((Status.SUBMITTED,), Status.APPROVED),
    Action.ACCEPT: ((Status.APPROVED,), Status.ACCEPTED),
    Action.START_TEST: ((Status.ACCEPTED,), Status.TESTING),
    Action.SEND_BACK: ((Status.TESTING,), Status.ACCEPTED),
    Action.ACTIVATE: ((Status.TESTING,), Status.ACTIVE),
    Action.PAUSE: ((*OPEN_STATUSES, Status.ACTIVE), Status.PAUSED),
    Action.RESUME: ((Status.PAUSED,), None),
    Action.CANCEL: ((*OPEN_STATUSES, Status.ACTIVE, Status.PAUSED), Status.CANCELLED),
}
OFFICE_ACTIONS = frozenset({Action.ACCEPT, Action.START_TEST, Action.SEND_BACK, Action.ACTIVATE})

# What each new status tells the people involved (translated when read).
MESSAGES = {
    Status.SUBMITTED: gettext_noop(
        "%(organisation)s ordered %(robot)s; the order awaits internal approval."
    ),
    Status.APPROVED: gettext_noop(
        "%(organisation)s approved its order of %(robot)s; it awaits the office."
    ),
    Status.ACCEPTED: gettext_noop(
        "The office accepted the order of %(robot)s for %(organisation)s and is configuring it."
    ),
    Status.TESTING: gettext_noop("The order of %(robot)s for %(organisation)s is being tested."),
    Status.ACTIVE: gettext_noop("%(robot)s is now active for %(organisation)s."),
    Status.PAUSED: gettext_noop("The order of %(robot)s for %(organisation)s is paused."),
    Status.CANCELLED: gettext_noop("The order of %(robot)s for %(organisation)s was cancelled."),
}
COMMENT_MESSAGE = gettext_noop("New comment on the order of %(robot)s for %(organisation)s.")


def _on_site(actor, site) -> bool:
    return permissions.membership(actor, site) is not None


def _is_office_handler(actor) -> bool:
    return permissions.can(actor, office(), Capability.OPERATE_ROBOTS)


def _is_member_approver(actor, order: Order) -> bool:
    return permissions.can(actor, order.organisation, Capability.APPROVE_ORDERS)


def action_refusal(order: Order, action: str, actor, site) -> str | None:
    """Why this person, on this site, may not take the action now; None if they may."""
    if action not in Action.__members__.values():
        return _("%(action)s is not an order action.") % {"action": action}
    action = Action(action)
    starts, _leads_to = TRANSITIONS[action]
    on_office = site.is_office
    if on_office and not _is_office_handler(actor):
        return _("Only the office's operators and developers handle orders.")
    if not on_office and (site.pk != order.organisation_id or not _on_site(actor, site)):
        return _("This order belongs to another organisation.")
    if action in OFFICE_ACTIONS and not on_office:
        return _("The office does this on the office console.")
    if action == Action.APPROVE and (on_office or not _is_member_approver(actor, order)):
        return _("Only the member's process owners and administrators approve its orders.")
    if (
        action in (Action.PAUSE, Action.RESUME, Action.CANCEL)
        and not on_office
        and not _is_member_approver(actor, order)
        and not (
            action == Action.CANCEL
            and order.status == Status.SUBMITTED
            and order.ordered_by_id == actor.pk
        )
    ):
        return _("Only the member's process owners and administrators may do this.")
    if order.status not in starts:
        if action == Action.ACTIVATE:
            return _(
                "Only an order the office has accepted and tested can be activated "
                "(this one is: %(status)s)."
            ) % {"status": Status(order.status).label}
        return _("This cannot be done to an order that is: %(status)s.") % {
            "status": Status(order.status).label
        }
    return None


def allowed_actions(order: Order, actor, site) -> list[Action]:
    """The actions this person may take on this site now (what the buttons offer)."""
    return [action for action in Action if action_refusal(order, action, actor, site) is None]


def _people_with(organisation, roles) -> list[User]:
    return [
        membership.user
        for membership in Membership.objects.filter(
            organisation=organisation, role__in=roles
        ).select_related("user")
    ]


def _tell(order: Order, message: str, actor, *, office_too: bool, approvers_too: bool) -> None:
    params = {"robot": order.robot.name_da, "organisation": order.organisation.name}
    url = f"/orders/{order.pk}/"
    members = [order.ordered_by, order.process_owner]
    if approvers_too:
        members += _people_with(order.organisation, PROCESS_OWNER_ROLES)
    notifications.notify(
        recipients=members,
        organisation=order.organisation,
        message=message,
        params=params,
        url=url,
        actor=actor,
    )
    if office_too:
        notifications.notify(
            recipients=_people_with(office(), OFFICE_HANDLER_ROLES),
            organisation=office(),
            message=message,
            params=params,
            url=url,
            actor=actor,
        )


def _check_version(robot_version: RobotVersion) -> None:
    if robot_version.status != RobotVersion.Status.PRODUCTION:
        raise ValidationError({"robot_version": _("Only a version in production can be ordered.")})


def _check_configuration(robot_version, parameters, schedule) -> None:
    _check_version(robot_version)
    validate_parameters(robot_version.robot.parameters_schema, parameters)
    validate_cron(schedule)


@transaction.atomic
def place_order(
    *,
    organisation,
    actor,
    robot_version: RobotVersion,
    process_owner,
    parameters=None,
    proposed_schedule: str = "",
    note: str = "",
) -> Order:
    """A member's staff orders a catalog robot for their organisation."""
    if organisation.is_office or not _on_site(actor, organisation):
        raise PermissionDenied(_("Robots are ordered by a member organisation's staff."))
    parameters = {} if parameters is None else parameters
    proposed_schedule = (proposed_schedule or "").strip()
    _check_configuration(robot_version, parameters, proposed_schedule)
    check_process_owner(process_owner, organisation)
    order = Order(
        organisation=organisation,
        robot=robot_version.robot,
        robot_version=robot_version,
        parameters=parameters,
        proposed_schedule=proposed_schedule,
        process_owner=process_owner,
        ordered_by=actor,
        note=note,
    )
    order.full_clean()
    order.save()
    audit.record(
        actor=actor,
        action="orders.order.placed",
        target=order,
        organisation=organisation,
        changes={
            "version": robot_version.version,
            "parameters": parameters,
            "proposed_schedule": proposed_schedule,
            "process_owner": process_owner.pk,
            "status": order.status,
        },
    )
    _tell(order, MESSAGES[Status.SUBMITTED], actor, office_too=False, approvers_too=True)
    return order


def _deployment_name(order: Order) -> str:
    return f"{order.robot.name_da} · {order.organisation.name}"


@transaction.atomic
def act_on_order(*, order: Order, action: str, actor, site, reason: str = "") -> Order:
    """Take an action on an order; refused with the reason unless allowed now."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("organisation", "robot", "robot_version", "deployment")
        .get(pk=order.pk)
    )
    refusal = action_refusal(order, action, actor, site)
    if refusal:
        raise ValidationError({"action": refusal})
    action = Action(action)
    reason = (reason or "").strip()
    if action == Action.CANCEL and not reason:
        raise ValidationError({"reason": _("Say why the order is cancelled.")})
    before, paused_from = order.status, order.paused_from
    _starts, leads_to = TRANSITIONS[action]
    order.status = leads_to or order.paused_from
    order.paused_from = before if action == Action.PAUSE else ""
    if action == Action.CANCEL:
        order.cancel_reason = reason
    if action == Action.ACTIVATE:
        _check_configuration(order.robot_version, order.parameters, order.proposed_schedule)
        order.deployment = deployments.create_deployment(
            organisation=order.organisation,
            robot_version=order.robot_version,
            name=_deployment_name(order),
            parameters=order.parameters,
            schedule=order.proposed_schedule,
            process_owner=order.process_owner,
            actor=actor,
        )
        governance.register_deployment(order.deployment, actor)
    elif order.deployment is not None:
        deployment_status = {
            Status.PAUSED: Deployment.Status.PAUSED,
            Status.ACTIVE: Deployment.Status.ACTIVE,
            Status.CANCELLED: Deployment.Status.RETIRED,
        }[order.status]
        order.deployment = deployments.set_deployment_status(
            deployment=order.deployment, status=deployment_status, actor=actor
        )
    order.updated_at = timezone.now()
    order.save()
    changes = {"action": action.value, "status": [before, order.status]}
    if reason:
        changes["reason"] = reason
    audit.record(
        actor=actor,
        action="orders.order.changed",
        target=order,
        organisation=order.organisation,
        changes=changes,
    )
    # The office is involved from the member's approval on, not in the member's own steps.
    office_involved = order.status == Status.APPROVED or Status.SUBMITTED not in {
        before,
        order.status,
        paused_from,
    }
    _tell(order, MESSAGES[order.status], actor, office_too=office_involved, approvers_too=False)
    return order


@transaction.atomic
def configure_order(
    *, order: Order, actor, robot_version: RobotVersion, parameters, proposed_schedule: str
) -> Order:
    """The office configures an order before activation: version, parameters, schedule."""
    if not _is_office_handler(actor):
        raise PermissionDenied(_("Only the office's operators and developers handle orders."))
    order = Order.objects.select_for_update().select_related("robot").get(pk=order.pk)
    if order.status not in CONFIGURABLE_STATUSES:
        raise ValidationError(
            _("An order that is %(status)s cannot be configured.")
            % {"status": Status(order.status).label}
        )
    if robot_version.robot_id != order.robot_id:
        raise ValidationError({"robot_version": _("Choose a version of the ordered robot.")})
    proposed_schedule = (proposed_schedule or "").strip()
    _check_configuration(robot_version, parameters, proposed_schedule)
    before = {
        "version": order.robot_version.version,
        "parameters": order.parameters,
        "proposed_schedule": order.proposed_schedule,
    }
    order.robot_version = robot_version
    order.parameters = parameters
    order.proposed_schedule = proposed_schedule
    after = {
        "version": robot_version.version,
        "parameters": parameters,
        "proposed_schedule": proposed_schedule,
    }
    audit.save_changes(
        order,
        before,
        after,
        actor=actor,
        action="orders.order.configured",
        organisation=order.organisation,
        stamp="updated_at",
    )
    return order


@transaction.atomic
def comment(*, order: Order, actor, site, text: str) -> OrderComment:
    """A comment between the member and the office; the other side is notified."""
    if not _on_site(actor, site) or (not site.is_office and site.pk != order.organisation_id):
        raise PermissionDenied(_("This order belongs to another organisation."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    made = OrderComment.objects.create(
        order=order, author=actor, from_office=site.is_office, text=text
    )
    audit.record(
        actor=actor,
        action="orders.order.commented",
        target=order,
        organisation=order.organisation,
        changes={"comment": made.pk},
    )
    _tell(order, COMMENT_MESSAGE, actor, office_too=True, approvers_too=False)
    return made
