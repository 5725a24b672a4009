"""People sign in on their organisation's site and see their own navigation only."""

import base64
import hashlib
import hmac
import re
import struct
import time
from urllib.parse import urlsplit

import pytest
from django.core import mail

from tenants.models import Role
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in, submit_login

pytestmark = pytest.mark.browser

PEOPLE = "a[href='/people/']"
ORGANISATIONS = "a[href='/organisations/']"


def path_of(page) -> str:
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_anonymous_visitor_is_sent_to_sign_in_and_back(page, site_url, aarhus, make_user):
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    page.goto(site_url(aarhus, "/people/"))
    assert path_of(page) == "/accounts/login/?next=/people/"
    assert page.locator("ul.rk-nav").count() == 0

    submit_login(page, "mette@aarhus.dk")
    assert page.url == site_url(aarhus, "/people/")
    assert page.locator("ul.rk-nav").get_attribute("data-nav") == "member"


def test_member_signs_in_on_their_site_and_sees_member_navigation(
    page, site_url, aarhus, make_user
):
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    sign_in(page, site_url(aarhus, "/accounts/login/"), "mette@aarhus.dk")
    assert page.url == site_url(aarhus, "/")
    assert page.locator("h1").inner_text() == "Aarhus Kommune"
    nav = page.locator("ul.rk-nav")
    assert nav.get_attribute("data-nav") == "member"
    assert nav.locator(PEOPLE).count() == 1
    assert nav.locator(ORGANISATIONS).count() == 0
    assert page.locator("html").get_attribute("lang") == "da"

    nav.locator(f"li:has({PEOPLE}) .submenu > button").click()  # its menu section
    nav.locator(PEOPLE).click()
    page.wait_for_load_state()
    assert page.url == site_url(aarhus, "/people/")
    assert page.locator("main").get_by_text("mette@aarhus.dk").count() >= 1


def test_office_staff_sign_in_on_the_console_and_see_the_organisations(
    page, site_url, office, aarhus, make_user
):
    make_user("anne@robotkontor.dk", office, Role.OFFICE_ADMIN)
    sign_in(page, site_url(office, "/accounts/login/"), "anne@robotkontor.dk")
    assert page.url == site_url(office, "/")
    nav = page.locator("ul.rk-nav")
    assert nav.get_attribute("data-nav") == "office"
    assert nav.locator(PEOPLE).count() == 0
    nav.locator(f"li:has({ORGANISATIONS}) .submenu > button").click()  # its menu section
    nav.locator(ORGANISATIONS).click()
    page.wait_for_load_state()
    assert page.url == site_url(office, "/organisations/")
    assert page.locator("table").get_by_text("Aarhus Kommune").count() == 1


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MEMBER_ADMIN])
def test_member_cannot_use_the_office_console(page, site_url, office, aarhus, make_user, role):
    make_user("mette@aarhus.dk", aarhus, role)
    sign_in(page, site_url(office, "/accounts/login/"), "mette@aarhus.dk")
    # Signed in (the account is global) but not a member of the office: no console.
    assert page.url == site_url(office, "/")
    assert page.locator("ul.rk-nav").count() == 0
    assert page.locator("button:visible", has_text=re.compile("Log ud|Sign out")).count() == 1

    for path in ["/", "/organisations/", f"/organisations/{aarhus.slug}/"]:
        response = page.goto(site_url(office, path))
        assert response.status == 403, path
        assert page.locator("ul.rk-nav").count() == 0
        assert "Aarhus Kommune" not in page.locator("main").inner_text()

    # Their own site still works for them.
    page.goto(site_url(aarhus, "/accounts/login/"))
    submit_login(page, "mette@aarhus.dk")
    assert page.locator("ul.rk-nav").get_attribute("data-nav") == "member"


def test_login_page_is_styled_has_no_sign_up_and_explains_errors(page, site_url, aarhus, make_user):
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    stylesheets = {}
    page.on(
        "response",
        lambda response: (
            response.url.endswith(".css")
            and stylesheets.setdefault(urlsplit(response.url).path, response.status)
        ),
    )
    page.goto(site_url(aarhus, "/accounts/login/"))
    assert stylesheets.get("/static/vendor/dkfds/css/dkfds.min.css") == 200
    assert page.evaluate(
        """() => [...document.styleSheets].some(
            sheet => (sheet.href || "").includes("dkfds") && sheet.cssRules.length > 100)"""
    )

    # Sign-up is closed: people join by invitation.
    assert page.locator("a[href*='/accounts/signup/']").count() == 0
    assert page.locator("[data-signup=closed]").is_visible()
    # Det Fælles Designsystem form with visible labels and the password reset link.
    assert page.locator("form .form-group label.form-label[for=id_login]").is_visible()
    assert page.locator("#id_login.form-input").is_visible()
    assert page.locator("#id_password.form-input").is_visible()
    assert page.locator("form button.button.button-primary[type=submit]").is_visible()
    assert page.locator("a[href='/accounts/password/reset/']").is_visible()

    # A wrong password: the form comes back with an alert, and nobody is signed in.
    submit_login(page, "mette@aarhus.dk", "wrong-password")
    assert urlsplit(page.url).path == "/accounts/login/"
    assert page.locator(".alert.alert-error[role=alert]").is_visible()
    assert page.locator("ul.rk-nav").count() == 0
    assert page.locator("#id_login").input_value() == "mette@aarhus.dk"

    # An empty password: the message is tied to the field for screen readers.
    page.fill("#id_password", "")
    page.evaluate("document.querySelector('form[action=\"/accounts/login/\"]').noValidate = true")
    page.click("form [type=submit]")
    page.wait_for_load_state()
    password = page.locator("#id_password")
    assert password.get_attribute("aria-invalid") == "true"
    described_by = password.get_attribute("aria-describedby").split()
    error_id = next(ref for ref in described_by if ref.endswith("_error"))
    error = page.locator(f"#{error_id}")
    assert error.is_visible()
    assert error.evaluate("node => node.classList.contains('form-error-message')")

    submit_login(page, "mette@aarhus.dk")
    assert page.locator("ul.rk-nav").get_attribute("data-nav") == "member"


def test_pages_switch_to_english(page, site_url, aarhus, make_user):
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    sign_in(page, site_url(aarhus, "/accounts/login/"), "mette@aarhus.dk")
    assert page.locator("html").get_attribute("lang") == "da"
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Overview" in page.locator("ul.rk-nav").inner_text()


def totp(secret: str, periods_ahead: int = 0) -> str:
    """The code an authenticator app shows (RFC 6238: SHA-1, 30 s, 6 digits)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int(time.time()) // 30 + periods_ahead
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def test_two_factor_authentication_is_set_up_and_asked_for(
    page, site_url, aarhus, make_user, settings
):
    # A code is accepted once; allowing one period of clock drift lets the sign-in below use
    # the next period's code instead of waiting up to 30 s for a fresh one.
    settings.MFA_TOTP_TOLERANCE = 1
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    sign_in(page, site_url(aarhus, "/accounts/login/"), "mette@aarhus.dk")
    # The link is in the menu's "Administration" section.
    page.locator("ul.rk-nav li:has(a[href='/accounts/2fa/']) .submenu > button").click()
    page.locator("ul.rk-nav a[href='/accounts/2fa/']").click()
    page.wait_for_load_state()
    page.click("a[href='/accounts/2fa/totp/activate/']")
    page.wait_for_load_state()
    # allauth asks for the password again before changing MFA.
    assert urlsplit(page.url).path == "/accounts/reauthenticate/"
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/accounts/2fa/totp/activate/"
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", totp(secret))
    page.click("form [type=submit]")
    page.wait_for_load_state()
    # Activated: the recovery codes are shown once, to be kept somewhere safe.
    assert urlsplit(page.url).path == "/accounts/2fa/recovery-codes/"
    assert len(page.locator("textarea#recovery_codes").input_value().split()) == 10

    page.locator("form[action='/accounts/logout/'] button:visible").click()
    page.wait_for_load_state()
    assert page.locator("ul.rk-nav").count() == 0

    # The password alone is not enough any more: the code is asked for next.
    sign_in(page, site_url(aarhus, "/accounts/login/"), "mette@aarhus.dk")
    assert urlsplit(page.url).path == "/accounts/2fa/authenticate/"
    assert page.locator("ul.rk-nav").count() == 0
    assert page.locator("label.form-label[for=id_code]").is_visible()
    valid = {totp(secret, ahead) for ahead in (-1, 0, 1, 2)}
    page.fill(
        "#id_code", next(code for code in ("000000", "111111", "222222") if code not in valid)
    )
    page.click("form [type=submit]")
    page.wait_for_load_state()
    assert page.locator("#id_code").get_attribute("aria-invalid") == "true"
    assert page.locator("ul.rk-nav").count() == 0

    page.fill("#id_code", totp(secret, periods_ahead=1))
    page.click("form [type=submit]")
    page.wait_for_load_state()
    assert page.url == site_url(aarhus, "/")
    assert page.locator("ul.rk-nav").get_attribute("data-nav") == "member"


def test_password_reset_by_email(page, site_url, aarhus, make_user):
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    page.goto(site_url(aarhus, "/accounts/login/"))
    page.click("a[href='/accounts/password/reset/']")
    page.wait_for_load_state()
    page.fill("input[name=email]", "mette@aarhus.dk")
    page.click("form [type=submit]")
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/accounts/password/reset/done/"

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    page.goto(link.group(0))
    page.wait_for_load_state()
    page.fill("input[name=password1]", "a-new-and-long-passphrase")
    page.fill("input[name=password2]", "a-new-and-long-passphrase")
    page.click("form [type=submit]")
    page.wait_for_load_state()

    sign_in(
        page, site_url(aarhus, "/accounts/login/"), "mette@aarhus.dk", "a-new-and-long-passphrase"
    )
    assert page.locator("ul.rk-nav").get_attribute("data-nav") == "member"
