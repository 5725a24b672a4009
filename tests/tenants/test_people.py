"""People and roles: invitations, memberships, login and brute-force lockout."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from tenants.models import Invitation, Membership, Role, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def invite(client, path, email, role):
    return client.post(path, {"email": email, "role": role})


def link_from_mail(message) -> str:
    return re.search(r"https?://\S+/invitation/\S+/", message.body).group(0)


def test_member_admin_invites_to_own_organisation(
    aarhus, make_user, site_client, django_capture_on_commit_callbacks
):
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(
            site_client(aarhus, admin), "/people/invite/", "ny@aarhus.dk", Role.MEMBER
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ny@aarhus.dk"]
    link = link_from_mail(mail.outbox[0])
    assert link.startswith("http://aarhus.localhost:8000/invitation/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    # Only a hash of the token is stored.
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_member_admin_cannot_grant_office_roles(aarhus, make_user, site_client):
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    invite(site_client(aarhus, admin), "/people/invite/", "x@aarhus.dk", Role.OFFICE_ADMIN)
    assert not Invitation.objects.exists()


def test_plain_staff_cannot_invite(aarhus, make_user, site_client):
    staff = make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    response = invite(site_client(aarhus, staff), "/people/invite/", "x@aarhus.dk", Role.MEMBER)
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_office_admin_invites_to_any_organisation(office, aarhus, make_user, site_client):
    admin = make_user("anne@robotkontor.dk", office, Role.OFFICE_ADMIN)
    client = site_client(office, admin)
    invite(client, "/organisations/aarhus/invite/", "procesejer@aarhus.dk", Role.PROCESS_OWNER)
    invite(client, "/organisations/odense-findes-ikke/invite/", "x@x.dk", Role.MEMBER)
    assert list(Invitation.objects.values_list("email", "organisation__slug")) == [
        ("procesejer@aarhus.dk", "aarhus")
    ]


def test_operator_cannot_invite(office, aarhus, make_user, site_client):
    operator = make_user("drift@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    response = invite(
        site_client(office, operator), "/organisations/aarhus/invite/", "x@aarhus.dk", Role.MEMBER
    )
    assert response.status_code == 403


def accept(aarhus, site_client, make_user, django_capture_on_commit_callbacks):
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        invite(site_client(aarhus, admin), "/people/invite/", "ny@aarhus.dk", Role.PROCESS_OWNER)
    return link_from_mail(mail.outbox[-1]).split(":8000", 1)[1]


def test_new_person_accepts_invitation_and_is_signed_in(
    aarhus, site_client, make_user, django_capture_on_commit_callbacks
):
    path = accept(aarhus, site_client, make_user, django_capture_on_commit_callbacks)
    client = site_client(aarhus)
    assert client.get(path).status_code == 200
    response = client.post(
        path, {"full_name": "Ny Person", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="ny@aarhus.dk")
    assert Membership.objects.get(user=user, organisation=aarhus).role == Role.PROCESS_OWNER
    assert EmailAddress.objects.get(user=user).verified
    assert client.get("/").status_code == 200
    # The link works once.
    assert site_client(aarhus).get(path).status_code == 404


def test_invitation_with_weak_password_creates_nothing(
    aarhus, site_client, make_user, django_capture_on_commit_callbacks
):
    path = accept(aarhus, site_client, make_user, django_capture_on_commit_callbacks)
    response = site_client(aarhus).post(
        path, {"full_name": "Ny", "password1": "123", "password2": "123"}
    )
    assert response.status_code == 400
    assert not User.objects.filter(email="ny@aarhus.dk").exists()


def test_invitation_link_is_refused_on_another_site(
    aarhus, odense, site_client, make_user, django_capture_on_commit_callbacks
):
    path = accept(aarhus, site_client, make_user, django_capture_on_commit_callbacks)
    response = site_client(odense).post(
        path, {"full_name": "Ny", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="ny@aarhus.dk").exists()


def test_login_with_email_and_password(aarhus, make_user):
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    client = Client(HTTP_HOST="aarhus.localhost")
    response = client.post(
        "/accounts/login/",
        {"login": "mette@aarhus.dk", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_brute_force_locks_the_account(aarhus, make_user, settings):
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    client = Client(HTTP_HOST="aarhus.localhost")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"login": "mette@aarhus.dk", "password": "forkert"})
    # Even the right password is refused while locked out.
    response = client.post("/accounts/login/", {"login": "mette@aarhus.dk", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/").status_code == 302


def test_signup_is_closed(aarhus):
    client = Client(HTTP_HOST="aarhus.localhost")
    client.post(
        "/accounts/signup/",
        {"email": "fremmed@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not User.objects.filter(email="fremmed@example.com").exists()


def test_totp_two_factor_can_be_activated_and_is_then_required(aarhus, make_user):
    from allauth.mfa.totp.internal.auth import hotp_value

    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    client = Client(HTTP_HOST="aarhus.localhost")
    client.post("/accounts/login/", {"login": "mette@aarhus.dk", "password": PASSWORD})
    # Changing security settings asks for the password again.
    assert client.get("/accounts/2fa/totp/activate/").status_code == 302
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    code = f"{hotp_value(secret, int(time.time()) // 30):06d}"
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    client.post("/accounts/logout/")
    # Now the password alone is not enough: a second step asks for the code.
    second = Client(HTTP_HOST="aarhus.localhost")
    response = second.post("/accounts/login/", {"login": "mette@aarhus.dk", "password": PASSWORD})
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert second.get("/").status_code == 302
