"""Finance corrects a member's buyer reference on the office console and sees it at once."""

import pytest

from core.models import AuditEvent
from tenants.models import Organisation, Role
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_finance_edits_a_members_buyer_reference(page, site_url, office, aarhus, make_user):
    make_user("finance@robotkontor.dk", office, Role.FINANCE)
    sign_in(page, site_url(office, "/organisations/aarhus/"), "finance@robotkontor.dk")
    assert page.locator("[data-testid=buyer-reference]").inner_text() == "–"

    with page.expect_navigation():
        page.click("[data-testid=edit-details]")
    assert page.url == site_url(office, "/organisations/aarhus/edit/")
    assert page.locator("input[name=slug]").count() == 0
    page.fill("input[name=buyer_reference]", "Rekv. 4711, Borgerservice")
    with page.expect_navigation():
        page.click("form button.button-primary[type=submit]")

    assert page.url == site_url(office, "/organisations/aarhus/")
    reference = page.locator("[data-testid=buyer-reference]").inner_text()
    assert reference == "Rekv. 4711, Borgerservice"
    assert Organisation.objects.get(pk=aarhus.pk).buyer_reference == "Rekv. 4711, Borgerservice"
    assert AuditEvent.objects.get(action="tenants.organisation.details_changed").changes == {
        "buyer_reference": ["", "Rekv. 4711, Borgerservice"]
    }
