"""Irreversible actions ask first: the page's dialog names what will happen, "Annullér" (or
Escape) changes nothing, and confirming does exactly what the button says."""

import pytest

from robots.models import Runner
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_revoking_a_runner_asks_first_and_names_the_consequence(
    page, site_url, office, operator, make_runner
):
    runner, _token = make_runner(name="rk-runner-7")
    sign_in(page, site_url(office, "/accounts/login/"), operator.email)
    page.goto(site_url(office, "/runners/"))
    revoke = page.locator(f"[data-runner='{runner.pk}'] form:has(input[name=revoke]) button")

    revoke.click()
    dialog = page.get_by_role("dialog")
    assert dialog.is_visible()
    assert "rk-runner-7" in dialog.inner_text()
    assert "kan ikke fortrydes" in dialog.inner_text()
    dialog.get_by_role("button", name="Annullér").click()
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Tilbagekald"
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    runner.refresh_from_db()
    assert runner.revoked_at is None

    revoke.click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Tilbagekald").click()
    assert Runner.objects.get(pk=runner.pk).revoked_at is not None
    assert page.locator(f"[data-runner='{runner.pk}'] [data-state=revoked]").count() == 1
