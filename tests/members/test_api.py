"""The member lifecycle's API: documented without warnings; office administrators onboard,
file agreements and record leaving, finance and administrators set the membership term;
nobody else, on no other site, and bad input changes nothing."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator

from billing import services as billing
from billing.models import MemberTerm
from core.models import AuditEvent
from members.models import DataProcessingAgreement, Departure
from tenants.models import Organisation, Role
from tests.members.conftest import PDF, join_fields

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
API = "/api/v1/members/"


@pytest.fixture
def as_user(site_client):
    def make(organisation, user):
        return site_client(organisation, user)

    return make


def test_the_members_endpoints_are_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in (
        API,
        f"{API}{{slug}}/",
        f"{API}{{slug}}/term/",
        f"{API}{{slug}}/leave/",
        f"{API}{{slug}}/agreements/",
    ):
        assert path in schema["paths"], path
    ours = ("Member", "Term", "Leave", "Agreement", "Join", "Departure", "Checklist", "members")
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if any(word in message for word in ours)
    ]
    assert problems == []


def test_an_office_admin_onboards_a_member_and_reads_its_checklist(office, office_admin, as_user):
    client = as_user(office, office_admin)
    answer = client.post(
        API, {**join_fields("vejle", "29189730"), "joined_on": "2025-03-11"}, "application/json"
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["term"] == {"joined_on": "2025-03-11", "left_on": None}
    assert body["can_order_robots"] is False
    missing = {
        item["key"] for item in body["checklist"] if not item["done"] and not item["optional"]
    }
    assert missing == {"key_figures", "administrator", "agreement"}
    assert client.get(f"{API}vejle/").json()["slug"] == "vejle"
    assert [member["slug"] for member in client.get(API).json()] == ["vejle"]


@pytest.mark.parametrize(
    "change",
    [
        {"cvr": "12345678"},  # wrong check digit
        {"ean": "123"},
        {"joined_on": "11.03.2025x"},
        {"joined_on": None},
        {"kind": "office"},
    ],
)
def test_onboarding_refuses_bad_input_and_creates_nothing(office, office_admin, as_user, change):
    body = {**join_fields("vejle", "29189730"), "joined_on": "2025-03-11", **change}
    answer = as_user(office, office_admin).post(API, body, "application/json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["fields"]
    assert not Organisation.objects.filter(slug="vejle").exists()
    assert not MemberTerm.objects.exists()


def test_only_office_admins_onboard_and_only_on_the_office_console(
    office, aarhus, make_user, as_user, finance
):
    member_admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    operator = make_user("drift@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    body = {**join_fields("vejle", "29189730"), "joined_on": "2025-03-11"}
    assert as_user(aarhus, member_admin).post(API, body, "application/json").status_code == 403
    assert as_user(aarhus, member_admin).get(f"{API}aarhus/").status_code == 403
    assert as_user(office, operator).post(API, body, "application/json").status_code == 403
    assert as_user(office, operator).get(API).status_code == 403
    assert as_user(office, finance).post(API, body, "application/json").status_code == 403
    assert not Organisation.objects.filter(slug="vejle").exists()


def test_finance_sets_the_membership_term_audited(office, aarhus, finance, as_user):
    client = as_user(office, finance)
    assert client.get(f"{API}aarhus/term/").json() == {"joined_on": None, "left_on": None}
    answer = client.put(f"{API}aarhus/term/", {"joined_on": "2025-02-11"}, "application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"joined_on": "2025-02-11", "left_on": None}
    answer = client.put(
        f"{API}aarhus/term/",
        {"joined_on": "2025-02-11", "left_on": "2025-10-31"},
        "application/json",
    )
    assert answer.json()["left_on"] == "2025-10-31"
    assert AuditEvent.objects.filter(action="members.term.changed", actor=finance).count() == 2


def test_a_bad_term_is_refused_and_changes_nothing(
    office, aarhus, odense, finance, as_user, make_user, rate_card
):
    billing.set_member_term(organisation=aarhus, joined_on=date(2025, 1, 1))
    billing.close_period(billing.get_period(date(2025, 3, 1)))
    client = as_user(office, finance)
    for body, field in [
        ({"joined_on": "2025-05-01", "left_on": "2025-04-30"}, "left_on"),
        ({"joined_on": "2025-01-01", "left_on": "2025-03-15"}, "non_field_errors"),
        ({"joined_on": "first of May"}, "joined_on"),
        ({"left_on": "2025-06-01"}, "joined_on"),
    ]:
        answer = client.put(f"{API}aarhus/term/", body, "application/json")
        assert answer.status_code == 400, body
        assert field in answer.json()["error"]["fields"], answer.json()
    term = MemberTerm.objects.get(organisation=aarhus)
    assert (term.joined_on, term.left_on) == (date(2025, 1, 1), None)
    operator = make_user("drift@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    body = {"joined_on": "2025-01-01", "left_on": "2025-12-31"}
    assert (
        as_user(office, operator).put(f"{API}aarhus/term/", body, "application/json").status_code
        == 403
    )
    member_finance = make_user("okonomi@odense.dk", odense, Role.FINANCE)
    assert (
        as_user(odense, member_finance)
        .put(f"{API}aarhus/term/", body, "application/json")
        .status_code
        == 403
    )
    assert client.put(f"{API}office/term/", body, "application/json").status_code == 404
    assert client.put(f"{API}ukendt/term/", body, "application/json").status_code == 404
    assert not AuditEvent.objects.filter(action="members.term.changed").exists()


def test_an_office_admin_records_leaving(office, aarhus, office_admin, finance, as_user):
    billing.set_member_term(organisation=aarhus, joined_on=date(2025, 1, 1))
    last_day = timezone.localdate() + timedelta(days=45)
    body = {
        "left_on": last_day.isoformat(),
        "reason": "Aftalen udløber",
        "decision_reference": "Bestyrelsesmøde 3/2026, pkt. 5",
    }
    assert (
        as_user(office, finance).post(f"{API}aarhus/leave/", body, "application/json").status_code
        == 403
    )
    answer = as_user(office, office_admin).post(f"{API}aarhus/leave/", body, "application/json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["term"]["left_on"] == last_day.isoformat()
    assert answer.json()["departure"]["decision_reference"] == "Bestyrelsesmøde 3/2026, pkt. 5"
    assert answer.json()["is_active"] is True, "the site stays open until its last day has passed"
    again = as_user(office, office_admin).post(f"{API}aarhus/leave/", body, "application/json")
    assert again.status_code == 400


def test_leaving_refuses_bad_input(office, aarhus, office_admin, as_user):
    billing.set_member_term(organisation=aarhus, joined_on=date(2025, 1, 1))
    client = as_user(office, office_admin)
    for body in [
        {"left_on": "2024-12-31", "reason": "x", "decision_reference": "y"},
        {"left_on": "2025-06-30", "reason": "", "decision_reference": "y"},
        {"left_on": "2025-06-30", "reason": "x"},
        {"left_on": [], "reason": "x", "decision_reference": "y"},
    ]:
        assert client.post(f"{API}aarhus/leave/", body, "application/json").status_code == 400
    assert not Departure.objects.exists()
    assert MemberTerm.objects.get(organisation=aarhus).left_on is None


def test_an_office_admin_files_the_agreement(office, aarhus, office_admin, as_user):
    client = as_user(office, office_admin)
    bad = client.post(
        f"{API}aarhus/agreements/",
        {
            "version": "2.0",
            "signed_on": "2025-02-01",
            "document": SimpleUploadedFile("a.txt", b"x"),
        },
    )
    assert bad.status_code == 400
    answer = client.post(
        f"{API}aarhus/agreements/",
        {
            "version": "2.0",
            "signed_on": "2025-02-01",
            "document": SimpleUploadedFile("dpa.pdf", PDF, "application/pdf"),
        },
    )
    assert answer.status_code == 201, answer.content
    agreement = DataProcessingAgreement.objects.get()
    assert (agreement.organisation, agreement.version) == (aarhus, "2.0")
    assert agreement.document.read() == PDF
