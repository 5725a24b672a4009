"""The order form's schedule: only the fields of the chosen kind show, and without
JavaScript every field shows and the order goes through just the same."""

import pytest
from django.urls import reverse

from orders.models import Order
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser
FIELDS = ("schedule_time", "schedule_weekday", "schedule_day", "proposed_schedule")


def fill_in_the_rest(page, process_owner):
    page.select_option("#id_process_owner", str(process_owner.pk))
    page.fill("#id_param_afdeling", "Vest")
    page.fill("#id_param_dage_frist", "14")


def shown(page) -> set[str]:
    return {name for name in FIELDS if page.locator(f"[data-field={name}]").is_visible()}


def test_only_the_chosen_kinds_fields_show(page, site_url, aarhus, staff, process_owner, orderable):
    sign_in(page, site_url(aarhus, "/accounts/login/"), staff.email)
    page.goto(site_url(aarhus, reverse("orders:order_create", args=[orderable.robot.slug])))
    assert page.input_value("#id_schedule_frequency") == "none"
    assert shown(page) == set()
    expected = {
        "daily": {"schedule_time"},
        "weekly": {"schedule_time", "schedule_weekday"},
        "monthly": {"schedule_time", "schedule_day"},
        "cron": {"proposed_schedule"},
    }
    for kind, fields in expected.items():
        page.select_option("#id_schedule_frequency", kind)
        assert shown(page) == fields, kind
    # Each field shown keeps its label, tied to its control.
    assert page.get_by_label("Cron-udtryk (for eksperter)").is_visible()

    page.select_option("#id_schedule_frequency", "weekly")
    page.fill("#id_schedule_time", "07:15")
    page.select_option("#id_schedule_weekday", "2")
    fill_in_the_rest(page, process_owner)
    with page.expect_navigation():
        page.click("[data-testid=order-form] button[type=submit]")
    assert Order.objects.get().proposed_schedule == "15 7 * * 3"


def test_without_javascript_every_field_shows(
    browser, site_url, aarhus, staff, process_owner, orderable
):
    context = browser.new_context(locale="da-DK", java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, site_url(aarhus, "/accounts/login/"), staff.email)
        page.goto(site_url(aarhus, reverse("orders:order_create", args=[orderable.robot.slug])))
        assert shown(page) == set(FIELDS)
        page.select_option("#id_schedule_frequency", "monthly")
        page.fill("#id_schedule_time", "06:00")
        page.fill("#id_schedule_day", "15")
        fill_in_the_rest(page, process_owner)
        with page.expect_navigation():
            page.click("[data-testid=order-form] button[type=submit]")
        assert Order.objects.get().proposed_schedule == "0 6 15 * *"
    finally:
        context.close()
