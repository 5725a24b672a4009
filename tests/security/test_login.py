"""Issue 14, item 5: the login lockout and throttles see each client's own address behind
the proxy, so nobody can lock another person out, and password spraying is throttled.

Requests arrive as from the production proxy: REMOTE_ADDR is the proxy's, the client's
address is what the proxy appended to X-Forwarded-For (TRUSTED_PROXY_COUNT = 1)."""

import pytest
from django.test import Client

from tenants.models import Role, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.254"
ATTACKER = "203.0.113.9"
PERSON = "198.51.100.7"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def sign_in(address, login, password, *, claimed=None):
    """A login as the proxy forwards it; ``claimed`` is what the client itself wrote in
    X-Forwarded-For before the proxy appended the address it saw."""
    forwarded = f"{claimed}, {address}" if claimed else address
    client = Client(HTTP_HOST="aarhus.localhost")
    response = client.post(
        "/accounts/login/",
        {"login": login, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    return client, response


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_wrong_passwords_from_one_address_do_not_lock_the_person_out_elsewhere(
    behind_proxy, aarhus, make_user, settings
):
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(ATTACKER, "mette@aarhus.dk", "forkert")
    # The attacker's address is locked, even with the right password ...
    client, response = sign_in(ATTACKER, "mette@aarhus.dk", PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    # ... also when it claims to be someone else in X-Forwarded-For ...
    client, response = sign_in(ATTACKER, "mette@aarhus.dk", PASSWORD, claimed=PERSON)
    assert response.status_code == 429 and not signed_in(client)
    # ... while Mette, behind the same proxy, signs in.
    client, response = sign_in(PERSON, "mette@aarhus.dk", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_spraying_passwords_over_many_accounts_from_one_address_is_throttled(
    behind_proxy, aarhus, make_user
):
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    for number in range(30):
        sign_in(ATTACKER, f"person{number}@aarhus.dk", "Sommer2026!")
    client, response = sign_in(ATTACKER, "mette@aarhus.dk", PASSWORD)
    assert response.status_code != 302 and not signed_in(client)
    # Faking another address in the header does not help.
    client, response = sign_in(ATTACKER, "mette@aarhus.dk", PASSWORD, claimed=PERSON)
    assert not signed_in(client)
    # Everyone else still signs in.
    client, response = sign_in(PERSON, "mette@aarhus.dk", PASSWORD)
    assert signed_in(client)


def test_guessing_one_accounts_password_from_many_addresses_is_throttled(
    behind_proxy, aarhus, make_user
):
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    for number in range(10):
        sign_in(f"192.0.2.{number + 1}", "mette@aarhus.dk", f"gæt-{number}")
    # Throttled for a while: even the right password is refused from yet another address.
    client, response = sign_in("192.0.2.200", "mette@aarhus.dk", PASSWORD)
    assert response.status_code == 200 and response.context["form"].errors
    assert not signed_in(client)
    assert not User.objects.get(email="mette@aarhus.dk").last_login


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(aarhus, make_user, settings):
    """Development and a server without a proxy: a client cannot pick its own address."""
    assert settings.TRUSTED_PROXY_COUNT == 0
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    for number in range(settings.AXES_FAILURE_LIMIT):
        sign_in(ATTACKER, "mette@aarhus.dk", "forkert", claimed=f"192.0.2.{number}")
    client, response = sign_in(PERSON, "mette@aarhus.dk", PASSWORD)
    # Everything came from REMOTE_ADDR (the "proxy"), so that address is locked.
    assert response.status_code == 429 and not signed_in(client)
