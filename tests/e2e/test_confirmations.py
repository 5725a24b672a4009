"""Irreversible actions ask first: the page's dialog names what will happen, "Annullér" (or
Escape) changes nothing, and confirming does exactly what the button says."""

import pytest
from django_tenants.utils import schema_context

from robots.models import Runner
from robots.monitoring.models import Alert
from robots.workitems import services
from robots.workitems.models import WorkItem
from tests.e2e.conftest import sign_in
from tests.robots.monitoring.test_pages import alert_of

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


def test_deleting_a_queues_items_asks_first_and_trying_again_does_not(
    page, site_url, aarhus, process_owner
):
    with schema_context(aarhus.schema_name):
        queue = services.create_queue(name="Lejetilbud")
        kept, deleted = (
            services.add_item(queue, reference=reference, payload={})
            for reference in ("L-1", "L-2")
        )
    sign_in(page, site_url(aarhus, "/accounts/login/"), process_owner.email)
    page.goto(site_url(aarhus, f"/queues/{queue.pk}/"))
    page.check(f"#choose-item-{deleted.pk}")
    delete = page.locator("[data-testid=item-bulk] button[value=delete]")

    delete.click()
    dialog = page.get_by_role("dialog")
    assert "kan ikke fortrydes" in dialog.inner_text()
    dialog.get_by_role("button", name="Annullér").click()
    with schema_context(aarhus.schema_name):
        assert WorkItem.objects.count() == 2

    delete.click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Slet de valgte opgaver").click()
    with schema_context(aarhus.schema_name):
        assert list(WorkItem.objects.values_list("pk", flat=True)) == [kept.pk]

    # Trying items again changes nothing for good: no dialog.
    page.check(f"#choose-item-{kept.pk}")
    with page.expect_navigation():
        page.click("[data-testid=item-bulk] button[value=retry]")
    assert not dialog.is_visible()


def test_acknowledging_alerts_in_bulk_asks_first(page, site_url, office, operator, aarhus):
    alert = alert_of(aarhus)
    sign_in(page, site_url(office, "/accounts/login/"), operator.email)
    page.goto(site_url(office, "/alerts/"))
    page.check(f"[form=alert-bulk][value='{alert.pk}']")
    acknowledge = page.locator("[data-testid=alert-bulk] button[value=acknowledge]")

    acknowledge.click()
    dialog = page.get_by_role("dialog")
    assert "kan ikke fortrydes" in dialog.inner_text()
    page.keyboard.press("Escape")
    alert.refresh_from_db()
    assert alert.state == Alert.State.OPEN

    acknowledge.click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Kvittér for de valgte alarmer").click()
    alert.refresh_from_db()
    assert alert.state == Alert.State.ACKNOWLEDGED and alert.acknowledged_by == operator
