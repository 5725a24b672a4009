"""An office administrator onboards a member step by step until its checklist is complete,
and records another member's leaving, confirming in the dialog what will happen."""

from datetime import date

import pytest
from django.utils import timezone

from billing import services as billing
from billing.models import MemberTerm
from members.models import DataProcessingAgreement, Departure
from robots.models import Deployment, Job
from robots.services.jobs import enqueue
from tenants.models import Invitation, Organisation, Role
from tests.e2e.conftest import sign_in
from tests.members.conftest import PDF

pytestmark = pytest.mark.browser


@pytest.fixture
def admin(office, make_user):
    return make_user("admin@robotkontor.dk", office, Role.OFFICE_ADMIN)


def submit(page, form):
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def test_an_office_admin_onboards_a_member_until_it_can_order_robots(page, site_url, office, admin):
    sign_in(page, site_url(office, "/accounts/login/"), admin.email)
    page.goto(site_url(office, "/members/"))
    with page.expect_navigation():
        page.click("a[href='/members/join/']")
    page.fill("input[name=name]", "Vejle Kommune")
    page.fill("input[name=slug]", "vejle")
    page.select_option("select[name=kind]", "municipality")
    page.fill("input[name=cvr]", "12345678")  # a wrong check digit first
    page.fill("input[name=ean]", "5798000000001")
    page.fill("input[name=buyer_reference]", "IT-afdelingen")
    page.fill("input[name=street]", "Skolegade 1")
    page.fill("input[name=postcode]", "7100")
    page.fill("input[name=city]", "Vejle")
    page.fill("input[name=joined_on]", "2025-03-11")
    submit(page, "main form")
    assert page.locator("#id_cvr_error, .form-error-message").count() >= 1
    assert not Organisation.objects.filter(slug="vejle").exists()
    page.fill("input[name=cvr]", "29189730")
    submit(page, "main form")

    assert page.url == site_url(office, "/members/vejle/")
    assert page.locator("[data-item=agreement]").get_attribute("data-done") == "no"
    assert page.locator("[data-item=term]").get_attribute("data-done") == "yes"
    assert "11.03.2025" in page.locator("[data-testid=joined-on]").inner_text()

    page.select_option("form[action$='/key-figures/'] select[name=kind]", "population")
    page.fill("form[action$='/key-figures/'] input[name=value]", "116000")
    page.fill("form[action$='/key-figures/'] input[name=valid_from]", "2025-01-01")
    submit(page, "form[action$='/key-figures/']")
    page.fill("form[action$='/administrator/'] input[name=email]", "it@vejle.dk")
    submit(page, "form[action$='/administrator/']")
    page.fill("form[action$='/agreements/'] input[name=version]", "2.1")
    page.fill("form[action$='/agreements/'] input[name=signed_on]", "2025-03-01")
    page.set_input_files(
        "form[action$='/agreements/'] input[name=document]",
        files=[{"name": "databehandleraftale.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    submit(page, "form[action$='/agreements/']")

    vejle = Organisation.objects.get(slug="vejle")
    assert Invitation.objects.get(organisation=vejle).role == Role.MEMBER_ADMIN
    assert DataProcessingAgreement.objects.get(organisation=vejle).version == "2.1"
    for item in ("key_figures", "agreement"):
        assert page.locator(f"[data-item={item}]").get_attribute("data-done") == "yes"
    # The administrator is invited; once they have accepted, nothing is missing.
    assert page.locator("[data-item=administrator]").get_attribute("data-done") == "no"


def test_an_office_admin_records_a_members_leaving_after_confirming(
    page, site_url, office, aarhus, admin, make_deployment
):
    billing.set_member_term(organisation=aarhus, joined_on=date(2025, 1, 1))
    deployment = make_deployment(aarhus)
    job = enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    sign_in(page, site_url(office, "/accounts/login/"), admin.email)
    page.goto(site_url(office, "/members/aarhus/"))
    with page.expect_navigation():
        page.click("a[href='/members/aarhus/leave/']")
    today = timezone.localdate()
    page.fill("input[name=left_on]", today.isoformat())
    page.fill("textarea[name=reason]", "Fusion med nabokommunen")
    page.fill("input[name=decision_reference]", "Bestyrelsesmøde 4/2026, pkt. 7")

    page.click("main form button[type=submit]")
    dialog = page.get_by_role("dialog")
    assert dialog.is_visible()
    assert "Aarhus Kommune" in dialog.inner_text()
    page.click("[data-confirm-cancel]")
    assert not dialog.is_visible()
    assert not Departure.objects.exists()

    page.click("main form button[type=submit]")
    with page.expect_navigation():
        page.click("[data-confirm-accept]")
    assert page.url == site_url(office, "/members/aarhus/")
    assert "Bestyrelsesmøde 4/2026, pkt. 7" in page.locator("[data-testid=leaving]").inner_text()
    assert Departure.objects.get(organisation=aarhus).paused_at is not None
    deployment.refresh_from_db()
    job.refresh_from_db()
    assert (deployment.status, job.status) == (Deployment.Status.PAUSED, Job.Status.CANCELLED)


def test_finance_changes_a_members_term_on_its_page(page, site_url, office, aarhus, make_user):
    make_user("okonomi@robotkontor.dk", office, Role.FINANCE)
    billing.set_member_term(organisation=aarhus, joined_on=date(2025, 1, 1))
    sign_in(page, site_url(office, "/accounts/login/"), "okonomi@robotkontor.dk")
    page.goto(site_url(office, "/members/aarhus/"))
    assert page.locator("a[href='/members/aarhus/leave/']").count() == 0
    with page.expect_navigation():
        page.click("a[href='/members/aarhus/term/']")
    page.fill("input[name=joined_on]", "2025-06-01")
    page.fill("input[name=left_on]", "2025-05-31")
    submit(page, "main form")
    assert page.locator("#id_left_on_error, .form-error-message").count() >= 1
    assert MemberTerm.objects.get(organisation=aarhus).joined_on == date(2025, 1, 1)
    page.fill("input[name=joined_on]", "2025-02-11")
    page.fill("input[name=left_on]", "")
    submit(page, "main form")
    assert page.url == site_url(office, "/members/aarhus/")
    assert "11.02.2025" in page.locator("[data-testid=joined-on]").inner_text()
    assert MemberTerm.objects.get(organisation=aarhus).joined_on == date(2025, 2, 11)
