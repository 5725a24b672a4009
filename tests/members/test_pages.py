"""The member lifecycle's pages on the office console: onboarding with its checklist, the
membership term, leaving, and the data-processing register."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing import services as billing
from billing.models import MemberTerm
from governance.models import GovernanceRecord
from members.lifecycle import services
from members.models import DataProcessingAgreement, Departure, Processor
from tenants.models import Invitation, KeyFigure, Organisation, Role
from tests.members.conftest import PDF, join_fields

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def admin_client(office, office_admin, site_client):
    return english(site_client(office, office_admin))


def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_onboarding_step_by_step_until_the_member_can_order_robots(admin_client, office):
    page = admin_client.get("/members/join/")
    assert page.status_code == 200
    assert 'type="date"' in page.content.decode()
    answer = admin_client.post(
        "/members/join/", {**join_fields("vejle", "29189730"), "joined_on": "2025-03-11"}
    )
    assert answer.status_code == 302 and answer.url == "/members/vejle/"
    page = admin_client.get("/members/vejle/").content.decode()
    assert "Still missing before the member can order robots" in page
    assert 'data-item="agreement" data-done="no"' in page
    assert "vejle.localhost" in page

    admin_client.post(
        "/members/vejle/key-figures/",
        {"kind": "population", "value": "116000", "valid_from": "2025-01-01"},
    )
    admin_client.post("/members/vejle/administrator/", {"email": "it@vejle.dk"})
    admin_client.post(
        "/members/vejle/agreements/",
        {
            "version": "2.1",
            "signed_on": "2025-03-01",
            "document": SimpleUploadedFile("dpa.pdf", PDF, "application/pdf"),
        },
    )
    member = Organisation.objects.get(slug="vejle")
    assert KeyFigure.objects.filter(organisation=member).count() == 1
    assert Invitation.objects.get(organisation=member).role == Role.MEMBER_ADMIN
    page = admin_client.get("/members/vejle/").content.decode()
    assert 'data-item="administrator" data-done="no"' in page
    assert "Invited, not accepted yet" in page
    agreement = DataProcessingAgreement.objects.get(organisation=member)
    download = admin_client.get(f"/members/vejle/agreements/{agreement.pk}/")
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    "change, field",
    [({"cvr": "12345678"}, "cvr"), ({"joined_on": ""}, "joined_on"), ({"slug": "Æ"}, "slug")],
)
def test_onboarding_refuses_bad_input_on_the_form(admin_client, change, field):
    body = {**join_fields("vejle", "29189730"), "joined_on": "2025-03-11", **change}
    answer = admin_client.post("/members/join/", body)
    assert answer.status_code == 400
    assert field in answer.context["form"].errors
    assert not Organisation.objects.filter(slug="vejle").exists()


def test_forms_on_the_member_page_refuse_bad_input(admin_client, aarhus):
    answer = admin_client.post(
        "/members/aarhus/sso/", {"provider": "openid_connect", "name": "Aarhus AD"}
    )
    assert answer.status_code == 400
    assert "OpenID Connect needs this." in answer.content.decode()
    answer = admin_client.post(
        "/members/aarhus/agreements/",
        {"version": "1", "signed_on": "2025-01-01", "document": SimpleUploadedFile("a.doc", b"x")},
    )
    assert answer.status_code == 400
    answer = admin_client.post("/members/aarhus/administrator/", {"email": "ikke en adresse"})
    assert answer.status_code == 400
    assert not DataProcessingAgreement.objects.exists()
    assert not Invitation.objects.exists()


def test_who_may_see_and_do_what(office, aarhus, make_user, site_client, finance):
    operator = make_user("drift@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    member_admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    assert site_client(office, operator).get("/members/").status_code == 403
    assert site_client(aarhus, member_admin).get("/members/").status_code == 404
    finance_client = site_client(office, finance)
    assert finance_client.get("/members/aarhus/").status_code == 200
    assert finance_client.get("/members/register/").status_code == 200
    assert finance_client.get("/members/join/").status_code == 403
    assert finance_client.get("/members/aarhus/leave/").status_code == 403
    assert finance_client.post("/members/processors/", {"name": "x"}).status_code == 403
    assert finance_client.get("/members/office/").status_code == 404


def test_finance_changes_the_term_on_its_page(office, aarhus, finance, site_client, rate_card):
    client = english(site_client(office, finance))
    assert client.get("/members/aarhus/term/").status_code == 200
    answer = client.post("/members/aarhus/term/", {"joined_on": "2025-01-01", "left_on": ""})
    assert answer.status_code == 302
    assert MemberTerm.objects.get(organisation=aarhus).joined_on == date(2025, 1, 1)
    billing.close_period(billing.get_period(date(2025, 3, 1)))
    for body, message in [
        ({"joined_on": "2025-06-01", "left_on": "2025-05-31"}, "cannot leave before it joined"),
        ({"joined_on": "2025-01-01", "left_on": "2025-03-10"}, "2025-03 is closed"),
        ({"joined_on": "1.1.2025x", "left_on": ""}, "Enter a valid date"),
    ]:
        answer = client.post("/members/aarhus/term/", body)
        assert answer.status_code == 400
        assert message in answer.content.decode()
    term = MemberTerm.objects.get(organisation=aarhus)
    assert (term.joined_on, term.left_on) == (date(2025, 1, 1), None)


def test_leaving_is_confirmed_and_recorded(admin_client, aarhus):
    billing.set_member_term(organisation=aarhus, joined_on=date(2025, 1, 1))
    page = admin_client.get("/members/aarhus/leave/").content.decode()
    assert "data-confirm=" in page and "lose access to its site" in page
    last_day = timezone.localdate() + timedelta(days=20)
    answer = admin_client.post(
        "/members/aarhus/leave/",
        {"left_on": "2024-12-01", "reason": "Fusion", "decision_reference": "B-12"},
    )
    assert answer.status_code == 400 and "cannot leave before it joined" in answer.content.decode()
    assert not Departure.objects.exists()
    answer = admin_client.post(
        "/members/aarhus/leave/",
        {"left_on": last_day.isoformat(), "reason": "Fusion", "decision_reference": "B-12"},
    )
    assert answer.status_code == 302
    page = admin_client.get("/members/aarhus/").content.decode()
    assert "Leaves the partnership" in page and "B-12" in page
    assert "Record leaving" not in page


def test_the_register_lists_agreement_categories_storage_and_processors(
    admin_client, aarhus, office_admin, make_deployment, process_owner
):
    services.add_agreement(
        organisation=aarhus,
        version="3.0",
        signed_on=date(2025, 2, 1),
        document=SimpleUploadedFile("dpa.pdf", PDF, "application/pdf"),
        actor=office_admin,
    )
    deployment = make_deployment(aarhus)
    GovernanceRecord.objects.create(
        organisation=aarhus,
        deployment=deployment,
        process_owner=process_owner,
        review_due=date(2026, 1, 1),
        personal_data_categories=["CPR-numre", "Helbredsoplysninger"],
    )
    assert (
        admin_client.post(
            "/members/processors/",
            {"name": "Hetzner", "service": "Servere", "location": "Tyskland (EU)"},
        ).status_code
        == 302
    )
    processor = Processor.objects.get()
    admin_client.post(
        f"/members/processors/{processor.pk}/",
        {"name": "Hetzner Online", "service": "Servere", "location": "Tyskland (EU)"},
    )
    page = admin_client.get("/members/register/").content.decode()
    for text in [
        "Version 3.0",
        "CPR-numre, Helbredsoplysninger",
        "org_aarhus",
        "workitems/org_aarhus/",
        "Hetzner Online",
        "No export or erasure yet.",
    ]:
        assert text in page, text
    assert admin_client.post("/members/processors/", {"name": ""}).status_code == 400
    admin_client.post(f"/members/processors/{processor.pk}/", {"remove": "1"})
    assert not Processor.objects.exists()
