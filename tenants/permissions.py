"""The one place that decides who may do what. Pages and the API both ask here.

A person's rights come from their membership of the organisation whose site (host) they
are on. Office roles are memberships of the office organisation (the public schema).
"""

from enum import StrEnum

from rest_framework.permissions import BasePermission

from tenants.models import MEMBER_ROLES, OFFICE_ROLES, Membership, Organisation, Role


class Capability(StrEnum):
    VIEW_SITE = "view_site"
    INVITE_PEOPLE = "invite_people"
    MANAGE_ORGANISATIONS = "manage_organisations"
    MANAGE_KEY_FIGURES = "manage_key_figures"
    APPROVE_ORDERS = "approve_orders"
    VIEW_BILLING = "view_billing"
    MANAGE_BILLING = "manage_billing"
    MANAGE_CATALOG = "manage_catalog"
    OPERATE_ROBOTS = "operate_robots"
    MANAGE_CREDENTIALS = "manage_credentials"
    # Create and configure the member's work queues (schema, retries, retention).
    MANAGE_QUEUES = "manage_queues"
    # Correct an organisation's invoicing details (address, EAN, CVR, buyer reference, VAT)
    # and the office's own bank account: office admins and finance, on the office console.
    EDIT_ORGANISATION_DETAILS = "edit_organisation_details"
    # Read a job's run log: robots print what they work on, so a log can hold the personal
    # data of the member's cases. The member's own staff, process owners and administrators,
    # and the office's operators and administrators (who run the robots and answer for
    # failures); not finance, nor the office's developers (docs/security.md).
    READ_RUN_LOGS = "read_run_logs"
    # Export a member's data (an archive of its schema and what public holds about it): the
    # member's administrators on its site, the office's administrators for any member.
    EXPORT_MEMBER_DATA = "export_member_data"
    # Erase a member that has left (drop its schema, anonymise its people): office admins.
    ERASE_MEMBER_DATA = "erase_member_data"


_EVERYONE = {Capability.VIEW_SITE}
ROLE_CAPABILITIES: dict[str, set[Capability]] = {
    Role.MEMBER: _EVERYONE | {Capability.READ_RUN_LOGS},
    Role.PROCESS_OWNER: _EVERYONE
    | {
        Capability.APPROVE_ORDERS,
        Capability.VIEW_BILLING,
        Capability.MANAGE_CREDENTIALS,
        Capability.MANAGE_QUEUES,
        Capability.READ_RUN_LOGS,
    },
    Role.MEMBER_ADMIN: _EVERYONE
    | {
        Capability.APPROVE_ORDERS,
        Capability.INVITE_PEOPLE,
        Capability.MANAGE_KEY_FIGURES,
        Capability.MANAGE_QUEUES,
        Capability.VIEW_BILLING,
        Capability.MANAGE_CREDENTIALS,
        Capability.READ_RUN_LOGS,
        Capability.EXPORT_MEMBER_DATA,
    },
    Role.OFFICE_OPERATOR: _EVERYONE | {Capability.OPERATE_ROBOTS, Capability.READ_RUN_LOGS},
    Role.OFFICE_DEVELOPER: _EVERYONE | {Capability.MANAGE_CATALOG, Capability.OPERATE_ROBOTS},
    Role.OFFICE_ADMIN: _EVERYONE
    | {
        Capability.INVITE_PEOPLE,
        Capability.MANAGE_ORGANISATIONS,
        Capability.MANAGE_KEY_FIGURES,
        Capability.MANAGE_CATALOG,
        Capability.OPERATE_ROBOTS,
        Capability.READ_RUN_LOGS,
        Capability.VIEW_BILLING,
        Capability.EDIT_ORGANISATION_DETAILS,
        Capability.EXPORT_MEMBER_DATA,
        Capability.ERASE_MEMBER_DATA,
    },
    Role.FINANCE: _EVERYONE
    | {Capability.VIEW_BILLING, Capability.MANAGE_BILLING, Capability.EDIT_ORGANISATION_DETAILS},
}


def membership(user, organisation: Organisation) -> Membership | None:
    """The user's membership of the organisation, memoised on the user for the request.

    None on a member that has left the partnership (``is_active`` off): its people no
    longer have access to its site."""
    if not user or not user.is_authenticated or organisation is None:
        return None
    if not organisation.is_active:
        return None
    memo = user.__dict__.setdefault("_memberships", {})
    if organisation.pk not in memo:
        memo[organisation.pk] = (
            Membership.objects.filter(user=user, organisation=organisation).first()
            if user.is_active
            else None
        )
    return memo[organisation.pk]


def can(user, organisation: Organisation, capability: Capability) -> bool:
    found = membership(user, organisation)
    return found is not None and capability in ROLE_CAPABILITIES[found.role]


def allowed_roles(organisation: Organisation) -> frozenset[str]:
    """Office roles belong to the office, member roles to members (finance exists in both)."""
    return OFFICE_ROLES if organisation.is_office else MEMBER_ROLES


def can_invite(user, site: Organisation, target: Organisation, role: str) -> bool:
    """Office admins invite to any organisation; member admins only to their own."""
    if role not in allowed_roles(target):
        return False
    if not can(user, site, Capability.INVITE_PEOPLE):
        return False
    return site.is_office or site.pk == target.pk


def deployment_run_capability(site: Organisation) -> Capability:
    """Who starts, pauses and resumes deployments: office operators on the office console;
    on a member's site its process owners and administrators (who approve its orders).
    Changing a deployment's schedule and limits is the office's (``OPERATE_ROBOTS``): they
    share the office's runners."""
    return Capability.OPERATE_ROBOTS if site.is_office else Capability.APPROVE_ORDERS


class HasCapability(BasePermission):
    """DRF permission: the view names ``required_capability`` for the request's organisation."""

    message = "You do not have permission to do this in this organisation."

    def has_permission(self, request, view):
        capability = getattr(view, "required_capability", Capability.VIEW_SITE)
        return can(request.user, request.tenant, capability)
