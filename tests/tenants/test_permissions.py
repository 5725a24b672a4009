"""The permissions module: which role may do what, and where."""

import pytest

from tenants import permissions
from tenants.models import Role
from tenants.permissions import Capability

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "capability", "allowed"),
    [
        (Role.MEMBER, Capability.VIEW_SITE, True),
        (Role.MEMBER, Capability.APPROVE_ORDERS, False),
        (Role.MEMBER, Capability.INVITE_PEOPLE, False),
        (Role.PROCESS_OWNER, Capability.APPROVE_ORDERS, True),
        (Role.PROCESS_OWNER, Capability.INVITE_PEOPLE, False),
        (Role.MEMBER_ADMIN, Capability.INVITE_PEOPLE, True),
        (Role.MEMBER_ADMIN, Capability.MANAGE_KEY_FIGURES, True),
        (Role.FINANCE, Capability.VIEW_BILLING, True),
        (Role.MEMBER_ADMIN, Capability.EDIT_ORGANISATION_DETAILS, False),
        (Role.FINANCE, Capability.APPROVE_ORDERS, False),
    ],
)
def test_member_roles(aarhus, make_user, role, capability, allowed):
    user = make_user("person@aarhus.dk", aarhus, role)
    assert permissions.can(user, aarhus, capability) is allowed


@pytest.mark.parametrize(
    ("role", "capability", "allowed"),
    [
        (Role.OFFICE_OPERATOR, Capability.OPERATE_ROBOTS, True),
        (Role.FINANCE, Capability.EDIT_ORGANISATION_DETAILS, True),
        (Role.OFFICE_ADMIN, Capability.EDIT_ORGANISATION_DETAILS, True),
        (Role.OFFICE_OPERATOR, Capability.EDIT_ORGANISATION_DETAILS, False),
        (Role.OFFICE_DEVELOPER, Capability.EDIT_ORGANISATION_DETAILS, False),
        (Role.OFFICE_OPERATOR, Capability.MANAGE_CATALOG, False),
        (Role.OFFICE_DEVELOPER, Capability.MANAGE_CATALOG, True),
        (Role.OFFICE_DEVELOPER, Capability.MANAGE_ORGANISATIONS, False),
        (Role.OFFICE_ADMIN, Capability.MANAGE_ORGANISATIONS, True),
        (Role.FINANCE, Capability.MANAGE_BILLING, True),
        (Role.FINANCE, Capability.MANAGE_ORGANISATIONS, False),
    ],
)
def test_office_roles(office, make_user, role, capability, allowed):
    user = make_user("person@robotkontor.dk", office, role)
    assert permissions.can(user, office, capability) is allowed


def test_rights_do_not_carry_over_to_other_organisations(office, aarhus, odense, make_user):
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    assert not permissions.can(admin, odense, Capability.VIEW_SITE)
    assert not permissions.can(admin, office, Capability.VIEW_SITE)
    office_admin = make_user("anne@robotkontor.dk", office, Role.OFFICE_ADMIN)
    assert not permissions.can(office_admin, aarhus, Capability.VIEW_SITE)


def test_who_may_invite_whom(office, aarhus, odense, make_user):
    member_admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    office_admin = make_user("anne@robotkontor.dk", office, Role.OFFICE_ADMIN)
    assert permissions.can_invite(member_admin, aarhus, aarhus, Role.PROCESS_OWNER)
    assert not permissions.can_invite(member_admin, aarhus, odense, Role.MEMBER)
    assert not permissions.can_invite(member_admin, aarhus, aarhus, Role.OFFICE_ADMIN)
    assert permissions.can_invite(office_admin, office, odense, Role.MEMBER_ADMIN)
    assert permissions.can_invite(office_admin, office, office, Role.OFFICE_DEVELOPER)
    assert not permissions.can_invite(office_admin, office, office, Role.MEMBER)


def test_deactivated_user_loses_access(aarhus, make_user):
    user = make_user("mette@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    user.is_active = False
    user.save()
    assert not permissions.can(user, aarhus, Capability.VIEW_SITE)
