"""A member orders a robot in the browser, its process owner approves, the office accepts,
tests and activates it, and the member then sees the deployment."""

import pytest

from catalog import services as catalog_services
from catalog.models import RobotVersion
from orders.models import Order
from tenants.models import Organisation, Role
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser
SCHEMA = {
    "type": "object",
    "properties": {
        "mailbox": {"type": "string", "title": "Postkasse med svar", "format": "email"},
        "reply_days": {"type": "integer", "title": "Svarfrist (dage)", "minimum": 1},
    },
    "required": ["mailbox"],
}


def robot_in_production(developer, reviewer):
    robot = catalog_services.create_robot(
        actor=developer,
        slug="lejetilbud",
        kind="rpa",
        name_da="Svar på lejetilbud",
        summary_da="Registrerer ja/nej-svar på lejetilbud",
        category="rental",
        member_kinds=[Organisation.Kind.MUNICIPALITY],
        parameters_schema=SCHEMA,
    )
    version = catalog_services.create_version(
        robot=robot,
        actor=developer,
        version="1.0.0",
        git_repository="https://git.robotkontor.dk/robotter/lejetilbud.git",
        git_commit="0123456789abcdef0123456789abcdef01234567",
    )
    catalog_services.transition_version(version, RobotVersion.Status.TEST, developer)
    catalog_services.transition_version(version, RobotVersion.Status.APPROVED, reviewer)
    catalog_services.transition_version(version, RobotVersion.Status.PRODUCTION, reviewer)
    return robot


def click_action(page, action):
    page.click(f"[data-testid=order-actions] button[data-action={action}]")
    page.wait_for_load_state()


def test_member_orders_a_robot_and_the_office_activates_it(
    page, site_url, office, aarhus, make_user
):
    developer = make_user("udvikler@robotkontor.dk", office, Role.OFFICE_DEVELOPER)
    reviewer = make_user("anden@robotkontor.dk", office, Role.OFFICE_DEVELOPER)
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    make_user("per@aarhus.dk", aarhus, Role.PROCESS_OWNER)
    robot = robot_in_production(developer, reviewer)

    sign_in(page, site_url(aarhus, "/accounts/login/"), "mette@aarhus.dk")
    page.goto(site_url(aarhus, f"/catalog/{robot.slug}/"))
    page.click("[data-testid=order-robot]")
    page.wait_for_load_state()
    page.fill("#id_param_mailbox", "ikke-en-adresse")
    # A schedule as a caseworker says it, not as cron.
    page.select_option("#id_schedule_frequency", "weekdays")
    page.fill("#id_schedule_time", "06:00")
    page.click("[data-testid=order-form] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#id_param_mailbox_error").count() == 1  # field-level error
    assert Order.objects.count() == 0
    page.fill("#id_param_mailbox", "lejetilbud@aarhus.dk")
    page.fill("#id_param_reply_days", "5")
    page.select_option("#id_process_owner", label="per")
    page.click("[data-testid=order-form] button[type=submit]")
    page.wait_for_load_state()
    order = Order.objects.get()
    assert page.locator("[data-testid=order-status]").get_attribute("data-status") == "submitted"
    assert order.proposed_schedule == "0 6 * * 1-5"
    schedule = page.locator("[data-testid=order-schedule]").inner_text()
    assert schedule.startswith("Kl 06:00, mandag til og med fredag")

    page.context.clear_cookies()
    sign_in(page, site_url(aarhus, "/accounts/login/"), "per@aarhus.dk")
    assert page.locator("[data-testid=unread]").inner_text() == "1"
    # The process owner's start page lists the order waiting for their approval.
    waiting = page.locator(f"[data-testid=awaiting-approval] li[data-order='{order.pk}']")
    assert "Svar på lejetilbud" in waiting.inner_text()
    assert "du er procesejer" in waiting.inner_text()
    waiting.locator("a").click()
    page.wait_for_load_state()
    click_action(page, "approve")
    page.goto(site_url(aarhus, "/"))
    assert page.locator("[data-testid=awaiting-approval]").count() == 0

    page.context.clear_cookies()
    sign_in(page, site_url(office, "/accounts/login/"), "udvikler@robotkontor.dk")
    page.goto(site_url(office, "/orders/"))
    page.click(f"[data-order='{order.pk}'] a")
    page.wait_for_load_state()
    for action in ("accept", "start_test"):
        click_action(page, action)
    # In test, the primary button activates the order.
    primary = page.locator("[data-testid=order-actions] .button-primary")
    assert primary.count() == 1 and primary.inner_text() == "Aktivér"
    primary.click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=order-status]").get_attribute("data-status") == "active"

    page.context.clear_cookies()
    sign_in(page, site_url(aarhus, "/accounts/login/"), "mette@aarhus.dk")
    # The order leads to its deployment's own page.
    page.goto(site_url(aarhus, f"/orders/{order.pk}/"))
    page.click("[data-testid=order-deployment]")
    page.wait_for_load_state()
    order.refresh_from_db()
    assert page.url.endswith(f"/deployments/{order.deployment_id}/")
    assert page.locator("[data-testid=deployment-status]").get_attribute("data-status") == "active"
    page.goto(site_url(aarhus, "/deployments/"))
    rows = page.locator("[data-testid=deployment-table] tbody tr[data-deployment]")
    assert rows.count() == 1
    assert "Svar på lejetilbud" in rows.first.inner_text()
    assert "Kl 06:00, mandag til og med fredag" in rows.first.inner_text()
    order.refresh_from_db()
    assert order.deployment.parameters == {"mailbox": "lejetilbud@aarhus.dk", "reply_days": 5}
