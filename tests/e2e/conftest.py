"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

The live server answers on ``localhost:<port>``; member sites are ``<slug>.localhost:<port>``,
which Chromium resolves to loopback by itself. Logins post to the page's own origin, so
Django's CSRF origin check passes without widening CSRF_TRUSTED_ORIGINS.
"""

import os
import shutil
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        raise RuntimeError("Chromium is missing: run platform/scripts/ensure-chromium.sh")
    return path


@pytest.fixture(scope="package")
def browser():
    """One Chromium for all browser tests, closed when the e2e package is done.

    Playwright's sync API leaves its asyncio loop marked as running in this thread while it
    is started, so Django refuses ORM calls from the test (SynchronousOnlyOperation) unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set. Our calls are synchronous and safe; the variable is set
    only while the browser lives, so the rest of the suite keeps Django's check.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) per test, in Danish like our users' browsers."""
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def site_url(live_server):
    """The live server's URL for an organisation's site (``aarhus.localhost:<port>``)."""
    port = urlsplit(live_server.url).port

    def url(organisation, path="/"):
        host = "localhost" if organisation.is_office else f"{organisation.slug}.localhost"
        return f"http://{host}:{port}{path}"

    return url


def submit_login(page, email, password=PASSWORD):
    """Fill in and send the login form on the current page."""
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    # Wait for the answer to the POST itself: waiting for "load" right after the click can
    # return at once, still on the login page, when the machine is busy.
    with page.expect_navigation():
        page.click("form [type=submit]")


def sign_in(page, url, email, password=PASSWORD):
    """Open the login page at ``url`` and sign in; fails loudly if the form is shown again."""
    page.goto(url)
    submit_login(page, email, password)
    assert urlsplit(page.url).path != "/accounts/login/", (
        f"sign-in as {email} failed: {page.locator('main').inner_text()}"
    )
