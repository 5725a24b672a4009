"""What was broken on everyday pages, in the browser: bulk actions in manual handling with
item ids above 10000, checkboxes that could not be seen, and the API docs page."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from robots.workitems import services
from robots.workitems.models import WorkItem
from tenants.models import Role
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser
Status = WorkItem.Status
FIRST_ID = 47_200


def handed_back_items(aarhus, count):
    """Items a robot handed back, with ids above 47200."""
    with schema_context(aarhus.schema_name), connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
            [WorkItem._meta.db_table, FIRST_ID],
        )
        queue = services.create_queue(name="Lejetilbud")
        items = []
        for number in range(count):
            item = services.add_item(queue, reference=f"L-{number}", payload={"nr": number})
            services.reserve_next(queue)
            items.append(
                services.release(item, outcome=Status.BUSINESS_EXCEPTION, message="Mangler")
            )
    assert all(item.pk > FIRST_ID for item in items)
    return items


def assert_every_choice_is_visible(page):
    """Each checkbox and radio button on the page is drawn (DKFDS draws the box on the label
    right after the input, with the transparent input laid over it)."""
    controls = page.locator("main input[type=checkbox], main input[type=radio]")
    assert controls.count() > 0
    for index in range(controls.count()):
        control = controls.nth(index)
        label = page.locator(f"label[for='{control.get_attribute('id')}']")
        assert control.evaluate("c => c.nextElementSibling && c.nextElementSibling.tagName") == (
            "LABEL"
        )
        assert label.is_visible(), control.get_attribute("id")
        drawn = label.evaluate("l => getComputedStyle(l, '::before').width")
        assert drawn == "24px", control.get_attribute("id")
        assert control.evaluate("c => getComputedStyle(c).width") == "24px"


def test_bulk_actions_work_on_items_with_ids_above_ten_thousand(page, site_url, aarhus, make_user):
    make_user("sagsbehandler@aarhus.dk", aarhus, Role.MEMBER)
    items = handed_back_items(aarhus, 3)

    sign_in(page, site_url(aarhus, "/accounts/login/"), "sagsbehandler@aarhus.dk")
    page.goto(site_url(aarhus, "/manual/"))
    assert_every_choice_is_visible(page)
    for item in items[:2]:
        checkbox = page.locator(f"input[name=items][value='{item.pk}']")
        checkbox.click()  # DKFDS lays the (transparent) input over the box it draws
        assert checkbox.is_checked()
    page.select_option("select[name=action]", "close")
    with page.expect_navigation():
        page.click("[data-testid=bulk-form] button[type=submit]")

    assert "Vælg opgaver fra listen" not in page.locator("main").inner_text()
    with schema_context(aarhus.schema_name):
        statuses = dict(WorkItem.objects.values_list("pk", "status"))
    assert statuses == {
        items[0].pk: Status.CLOSED,
        items[1].pk: Status.CLOSED,
        items[2].pk: Status.BUSINESS_EXCEPTION,
    }
    # The filter's own checkbox ("Kun opgaver, der er tildelt mig") is drawn too.
    mine = page.locator("[data-testid=item-filters] input[name=mine]")
    mine.click()
    assert mine.is_checked()


def test_a_form_s_checkboxes_are_drawn(page, site_url, aarhus, process_owner, make_deployment):
    """The credential form's "Må bruges af" choices come from Django's widgets, rendered by
    the project's one form layer (core/renderers.py, templates/django/forms/)."""
    make_deployment(aarhus, name="Lejetilbud")
    make_deployment(aarhus, name="Fakturaer")
    sign_in(page, site_url(aarhus, "/accounts/login/"), process_owner.email)
    page.goto(site_url(aarhus, "/credentials/new/"))
    group = page.locator("fieldset[data-field=allowed_deployments]")
    assert "Må bruges af" in group.locator("legend").inner_text()
    assert group.get_attribute("aria-describedby") == "id_allowed_deployments_helptext"
    assert_every_choice_is_visible(page)


def test_the_api_docs_page_shows_the_api_without_a_network(page, site_url, aarhus, process_owner):
    outside: list[str] = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if "localhost" in route.request.url
            else (outside.append(route.request.url), route.abort())
        ),
    )
    refused: list[str] = []
    page.on("console", lambda message: message.type == "error" and refused.append(message.text))
    sign_in(page, site_url(aarhus, "/accounts/login/"), process_owner.email)
    page.goto(site_url(aarhus, "/profile/tokens/"))
    with page.expect_navigation():
        page.click("[data-testid=api-docs-link]")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Robotkontor API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".swagger-ui .opblock").count() > 10
    assert page.locator("html").get_attribute("lang") == "da"
    assert not outside
    # Swagger UI's own scripts run under the CSP (an inline style it sets is refused, harmlessly).
    assert not [text for text in refused if "script-src" in text]
