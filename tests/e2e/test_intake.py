"""A member proposes an automation in the browser; the office moves it across the kanban."""

import pytest

from intake.models import Idea
from tenants.models import Role
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_idea_goes_from_member_to_office_kanban(page, site_url, office, aarhus, make_user):
    make_user("mette@aarhus.dk", aarhus, Role.MEMBER)
    make_user("drift@robotkontor.dk", office, Role.OFFICE_OPERATOR)

    sign_in(page, site_url(aarhus, "/accounts/login/"), "mette@aarhus.dk")
    page.goto(site_url(aarhus, "/ideas/new/"))
    page.fill("#id_title", "Svar på lejetilbud")
    page.fill("#id_description", "Ja/nej-svar på lejetilbud registreres i EG Bolig.")
    page.fill("#id_volume_per_month", "400")
    page.fill("#id_minutes_per_case", "6")
    page.select_option("#id_rule_based", "mostly")
    page.select_option("#id_digital_input", "partly")
    page.fill("#id_systems", "EG Bolig, Outlook")
    page.select_option("#id_systems_change", "yearly")
    page.fill("#id_exception_rate", "10")
    page.select_option("#id_contract_allows", "unknown")
    page.select_option("#id_urgency", "medium")
    page.click("form [type=submit]")
    page.wait_for_load_state()
    assert page.locator("[data-figure=hours]").inner_text() == "432,0"

    page.context.clear_cookies()
    sign_in(page, site_url(office, "/accounts/login/"), "drift@robotkontor.dk")
    page.goto(site_url(office, "/ideas/"))
    idea = Idea.objects.get()
    card = page.locator(f"[data-column=idea] [data-idea='{idea.pk}']")
    assert card.count() == 1
    card.locator("select[name=to]").select_option("assessment")
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(f"[data-column=assessment] [data-idea='{idea.pk}']").count() == 1
    idea.refresh_from_db()
    assert idea.status == "assessment"
