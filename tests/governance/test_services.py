"""The governance register: every activated deployment and live idea gets a record of its
legal responsibility, reviews that are due reach the right dashboards, and every change is
checked, audited and kept within the member it belongs to."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from governance import selectors, services
from governance.models import GovernanceRecord
from intake import services as intake
from orders import services as orders
from robots.models import Deployment
from tenants.models import Role
from tests.intake.conftest import new_idea

A = orders.Action


# These tests read the services' messages in English (the source language).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def site_client(site_client):
    """The pages in English too (the messages' source language)."""

    def make(organisation, user=None):
        client = site_client(organisation, user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def today():
    return timezone.localdate()


@pytest.fixture
def activate(office, aarhus, process_owner, operator):
    def run(order):
        orders.act_on_order(order=order, action=A.APPROVE, actor=process_owner, site=aarhus)
        for action in (A.ACCEPT, A.START_TEST, A.ACTIVATE):
            order = orders.act_on_order(order=order, action=action, actor=operator, site=office)
        return order

    return run


@pytest.fixture
def record(place, activate):
    """The register's record of Aarhus's newly activated deployment."""
    return activate(place()).deployment.governance


@pytest.fixture
def odense_owner(odense, make_user):
    return make_user("procesejer@odense.dk", odense, Role.PROCESS_OWNER)


def set_due(record, days_from_today: int):
    """Move a review date (the services refuse past dates, so the test writes it)."""
    GovernanceRecord.objects.filter(pk=record.pk).update(
        review_due=today() + timedelta(days=days_from_today)
    )
    record.refresh_from_db()
    return record


# --- Registration -----------------------------------------------------------------------------


def test_activating_an_order_puts_the_deployment_on_the_register(
    aarhus, place, activate, process_owner, operator
):
    order = activate(place())
    record = GovernanceRecord.objects.get()
    assert record.deployment == order.deployment and record.idea is None
    assert record.organisation == aarhus
    assert record.process_owner == process_owner
    assert record.review_due == today() + timedelta(days=365)
    assert record.last_reviewed_at is None
    # The robot's systems are listed; nobody has yet checked their contracts.
    assert record.systems == [{"system": "EG Bolig", "contract_allows": "unknown"}]
    created = AuditEvent.objects.get(action="governance.record.created")
    assert created.actor == operator and created.organisation == aarhus


def test_pausing_and_resuming_keeps_one_record(office, aarhus, place, activate, operator):
    order = activate(place())
    orders.act_on_order(order=order, action=A.PAUSE, actor=operator, site=office)
    orders.act_on_order(order=order, action=A.RESUME, actor=operator, site=office)
    assert GovernanceRecord.objects.count() == 1


def test_a_refused_activation_registers_nothing(office, place, operator):
    order = place()
    with pytest.raises(ValidationError):
        orders.act_on_order(order=order, action=A.ACTIVATE, actor=operator, site=office)
    assert GovernanceRecord.objects.count() == 0


def test_an_idea_going_live_is_registered_with_the_members_answers(
    office, aarhus, staff, process_owner, developer, site_client
):
    idea = new_idea(aarhus, staff, "Lejetilbud", "Svar på lejetilbud registreres i EG Bolig")
    idea.personal_data = True
    idea.personal_data_categories = "navn, CPR-nummer, navn"
    idea.save()
    for status in ("assessment", "approved", "in_development", "test"):
        intake.move_idea(idea=idea, to_status=status, actor=developer)
        assert not GovernanceRecord.objects.exists()
    intake.move_idea(idea=idea, to_status="live", actor=developer)
    record = GovernanceRecord.objects.get()
    assert record.idea == idea and record.deployment is None
    assert record.organisation == aarhus
    # An idea names no process owner: the member's process owner answers for it.
    assert record.process_owner == process_owner
    assert record.legal_basis == "Lejeloven"
    assert record.systems == [{"system": "EG Bolig", "contract_allows": "unknown"}]
    assert record.personal_data_categories == ["navn", "CPR-nummer"]
    assert record.dpia_needed is True and record.dpia_done is False
    assert audit.history(record).get().action == "governance.record.created"
    page = site_client(aarhus, process_owner).get(
        reverse("governance:record_detail", args=[record.pk])
    )
    assert page.status_code == 200
    assert reverse("intake:idea_detail", args=[idea.pk]) in page.content.decode()


def test_the_database_refuses_a_record_about_nothing_or_two_things(record, place, activate):
    other = activate(place()).deployment.governance
    with pytest.raises(IntegrityError):
        GovernanceRecord.objects.filter(pk=record.pk).update(deployment=None)
    assert other.pk != record.pk


def test_the_database_refuses_systems_that_are_not_a_list(record):
    with pytest.raises(IntegrityError):
        GovernanceRecord.objects.filter(pk=record.pk).update(systems={"system": "KMD"})


# --- Changes and reviews ----------------------------------------------------------------------

CHANGES = {
    "legal_basis": "Lejeloven § 5, stk. 2",
    "systems": [
        {"system": "EG Bolig", "contract_allows": "yes"},
        {"system": "Outlook", "contract_allows": "unknown"},
    ],
    "personal_data_categories": ["navn", " adresse ", ""],
    "dpia_needed": True,
    "notes": "Aftalt med leverandøren",
}


def test_the_process_owner_updates_the_record_and_it_is_audited(record, aarhus, process_owner):
    updated = services.update_record(record, process_owner, site=aarhus, **CHANGES)
    assert updated.legal_basis == "Lejeloven § 5, stk. 2"
    assert updated.personal_data_categories == ["navn", "adresse"]
    assert updated.contract_status == "unknown"
    event = audit.history(record).first()
    assert event.action == "governance.record.updated" and event.actor == process_owner
    assert event.organisation == aarhus
    assert set(event.changes) == {
        "legal_basis",
        "systems",
        "personal_data_categories",
        "dpia_needed",
        "notes",
    }
    assert event.changes["dpia_needed"] == [False, True]


def test_saving_without_changes_writes_no_event(record, aarhus, process_owner):
    events = AuditEvent.objects.count()
    services.update_record(record, process_owner, site=aarhus, legal_basis=record.legal_basis)
    assert AuditEvent.objects.count() == events


def test_office_operators_update_on_the_office_console(record, office, operator):
    services.update_record(record, operator, site=office, dpia_needed=True, dpia_done=True)
    record.refresh_from_db()
    assert record.dpia_needed and record.dpia_done


def test_who_may_not_change_a_record(record, office, aarhus, odense, staff, odense_owner):
    finance = staff.__class__.objects.create_user(email="finans@robotkontor.dk", password="x")
    from tenants import services as tenant_services

    tenant_services.add_member(user=finance, organisation=office, role=Role.FINANCE)
    refused = [
        (staff, aarhus),  # member staff: reads, but does not answer for the process
        (odense_owner, odense),  # another member's process owner
        (finance, office),  # office people who do not operate robots
    ]
    for actor, site in refused:
        with pytest.raises(PermissionDenied):
            services.update_record(record, actor, site=site, legal_basis="Noget andet")
        with pytest.raises(PermissionDenied):
            services.mark_reviewed(record, actor, today() + timedelta(days=30), site=site)
    record.refresh_from_db()
    assert record.legal_basis == "" and record.last_reviewed_at is None
    assert not AuditEvent.objects.filter(action__startswith="governance.record.up").exists()


def test_marking_reviewed_moves_the_due_date_and_is_audited(record, aarhus, process_owner):
    record = set_due(record, -3)
    next_due = today() + timedelta(days=365)
    reviewed = services.mark_reviewed(record, process_owner, next_due, site=aarhus)
    assert reviewed.last_reviewed_at == today() and reviewed.review_due == next_due
    assert not reviewed.is_overdue
    event = audit.history(record).first()
    assert event.action == "governance.record.reviewed" and event.actor == process_owner
    assert event.changes == {
        "review_due": [(today() - timedelta(days=3)).isoformat(), next_due.isoformat()],
        "last_reviewed_at": [None, today().isoformat()],
    }


@pytest.mark.parametrize("days", [0, -1, -400])
def test_the_next_review_must_be_after_today(record, aarhus, process_owner, days):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.mark_reviewed(record, process_owner, today() + timedelta(days=days), site=aarhus)
    assert refused.value.message_dict == {
        "next_review_due": ["The next review must be after today."]
    }
    with pytest.raises(ValidationError) as refused:
        services.update_record(
            record, process_owner, site=aarhus, review_due=today() + timedelta(days=days)
        )
    assert "review_due" in refused.value.message_dict
    record.refresh_from_db()
    assert record.review_due == today() + timedelta(days=365) and record.last_reviewed_at is None
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("systems", "message"),
    [
        ("EG Bolig", "List the systems"),
        (["EG Bolig"], 'System 1: give exactly "system"'),
        ([{"system": "EG Bolig"}], 'System 1: give exactly "system"'),
        ([{"system": "", "contract_allows": "yes"}], "System 1: the name must be"),
        (
            [
                {"system": "KMD", "contract_allows": "yes"},
                {"system": "EG Bolig", "contract_allows": "maybe"},
            ],
            "System 2 (EG Bolig): the contract status must be yes, no or unknown",
        ),
        (
            [
                {"system": "KMD", "contract_allows": "yes"},
                {"system": "kmd", "contract_allows": "no"},
            ],
            "kmd is listed twice",
        ),
    ],
)
def test_malformed_systems_are_refused_with_a_field_error(
    record, aarhus, process_owner, systems, message
):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.update_record(
            record, process_owner, site=aarhus, systems=systems, legal_basis="Lejeloven"
        )
    errors = refused.value.message_dict
    assert list(errors) == ["systems"] and message in errors["systems"][0]
    record.refresh_from_db()
    assert record.legal_basis == "" and record.systems[0]["contract_allows"] == "unknown"
    assert AuditEvent.objects.count() == events


def test_the_process_owner_must_answer_for_the_member(
    record, aarhus, process_owner, staff, odense_owner
):
    for someone in (staff, odense_owner):
        with pytest.raises(ValidationError) as refused:
            services.update_record(record, process_owner, site=aarhus, process_owner=someone)
        assert "process_owner" in refused.value.message_dict
    record.refresh_from_db()
    assert record.process_owner == process_owner


# --- Due reviews and the dashboards -----------------------------------------------------------


def test_due_reviews_reach_the_owner_and_the_office_but_not_others(
    record, office, aarhus, odense, staff, process_owner, operator, odense_owner, make_user
):
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    assert list(selectors.due_reviews(aarhus, process_owner)) == []
    set_due(record, 20)
    assert list(selectors.due_reviews(aarhus, process_owner)) == [record]
    assert list(selectors.due_reviews(aarhus, admin)) == [record]
    assert list(selectors.due_reviews(office, operator)) == [record]
    assert list(selectors.due_reviews(aarhus, staff)) == []
    assert list(selectors.due_reviews(odense, odense_owner)) == []
    # Not yet within 30 days; overdue ones stay until reviewed.
    set_due(record, 31)
    assert list(selectors.due_reviews(office, operator)) == []
    set_due(record, -10)
    assert list(selectors.due_reviews(office, operator)) == [record]


def test_a_retired_deployment_needs_no_review(record, office, operator):
    set_due(record, -1)
    Deployment.objects.filter(pk=record.deployment_id).update(status=Deployment.Status.RETIRED)
    assert list(selectors.due_reviews(office, operator)) == []


def due_on_dashboard(client) -> str | None:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.find('data-testid="due-reviews"')
    assert start != -1
    return html[start : html.find("</section>", start)]


def test_due_reviews_on_the_dashboards(
    record, office, aarhus, odense, process_owner, operator, odense_owner, site_client
):
    set_due(record, -2)
    url = reverse("governance:record_detail", args=[record.pk])
    owners = due_on_dashboard(site_client(aarhus, process_owner))
    assert record.name in owners and url in owners and "overdue" in owners
    offices = due_on_dashboard(site_client(office, operator))
    assert record.name in offices and "Aarhus Kommune" in offices and url in offices
    others = due_on_dashboard(site_client(odense, odense_owner))
    assert record.name not in others and url not in others
    services.mark_reviewed(record, process_owner, today() + timedelta(days=365), site=aarhus)
    assert record.name not in due_on_dashboard(site_client(aarhus, process_owner))


# --- Pages ------------------------------------------------------------------------------------


def test_the_list_page_shows_the_register(record, aarhus, process_owner, site_client):
    set_due(record, -1)
    client = site_client(aarhus, process_owner)
    response = client.get(reverse("governance:record_list"))
    assert response.status_code == 200
    assert list(response.context["records"]) == [record]
    html = response.content.decode()
    assert record.name in html and 'data-overdue="true"' in html
    assert 'data-dpia="not-needed"' in html and 'data-contract="unknown"' in html
    set_due(record, 200)
    due_only = client.get(reverse("governance:record_list") + "?due=1")
    assert list(due_only.context["records"]) == []


def test_members_cannot_see_or_change_another_members_record(
    record, odense, odense_owner, site_client
):
    client = site_client(odense, odense_owner)
    assert list(client.get(reverse("governance:record_list")).context["records"]) == []
    assert client.get(reverse("governance:record_detail", args=[record.pk])).status_code == 404
    edit = client.post(
        reverse("governance:record_edit", args=[record.pk]), {"legal_basis": "Overtaget"}
    )
    review = client.post(
        reverse("governance:record_review", args=[record.pk]),
        {"next_review_due": (today() + timedelta(days=90)).isoformat()},
    )
    assert edit.status_code == 404 and review.status_code == 404
    record.refresh_from_db()
    assert record.legal_basis == "" and record.last_reviewed_at is None


def test_member_staff_read_the_record_without_forms(record, aarhus, staff, site_client):
    client = site_client(aarhus, staff)
    response = client.get(reverse("governance:record_detail", args=[record.pk]))
    assert response.status_code == 200
    assert response.context["form"] is None and response.context["review_form"] is None
    refused = client.post(
        reverse("governance:record_review", args=[record.pk]),
        {"next_review_due": (today() + timedelta(days=90)).isoformat()},
    )
    assert refused.status_code == 403


def form_data(record, **changes):
    data = {
        "process_owner": record.process_owner_id,
        "legal_basis": record.legal_basis,
        "review_due": record.review_due.isoformat(),
        "systems": "\n".join(f"{s['system']}: {s['contract_allows']}" for s in record.systems),
        "personal_data_categories": ", ".join(record.personal_data_categories),
        "notes": record.notes,
    }
    data.update(changes)
    return data


def test_editing_and_reviewing_on_the_page(record, aarhus, process_owner, site_client):
    client = site_client(aarhus, process_owner)
    client.cookies["django_language"] = "en"
    url = reverse("governance:record_detail", args=[record.pk])
    page = client.get(url)
    assert page.context["form"] is not None and page.context["review_form"] is not None
    saved = client.post(
        reverse("governance:record_edit", args=[record.pk]),
        form_data(
            record,
            legal_basis="Lejeloven",
            systems="EG Bolig: yes\nOutlook: no",
            personal_data_categories="navn, adresse",
            dpia_needed="on",
        ),
    )
    assert saved.status_code == 302
    record.refresh_from_db()
    assert record.legal_basis == "Lejeloven" and record.dpia_needed
    assert record.systems == [
        {"system": "EG Bolig", "contract_allows": "yes"},
        {"system": "Outlook", "contract_allows": "no"},
    ]
    assert record.personal_data_categories == ["navn", "adresse"]
    next_due = today() + timedelta(days=180)
    reviewed = client.post(
        reverse("governance:record_review", args=[record.pk]),
        {"next_review_due": next_due.isoformat()},
    )
    assert reviewed.status_code == 302
    record.refresh_from_db()
    assert record.review_due == next_due and record.last_reviewed_at == today()
    history = [event.label for event in client.get(url).context["history"]]
    assert history[0] == "reviewed the legal basis"
    assert history[1] == ("changed: legal basis, systems, categories of personal data, DPIA needed")
    assert history[2] == "put the process on the register"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"systems": "EG Bolig: perhaps"}, "systems", "yes, no or unknown"),
        ({"systems": "EG Bolig"}, "systems", "Line 1"),
        ({"review_due": "2001-01-01"}, "review_due", "after today"),
    ],
)
def test_invalid_page_input_shows_a_field_error_and_changes_nothing(
    record, aarhus, process_owner, site_client, changes, field, message
):
    client = site_client(aarhus, process_owner)
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("governance:record_edit", args=[record.pk]),
        form_data(record, legal_basis="Ny", **changes),
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    record.refresh_from_db()
    assert record.legal_basis == "" and AuditEvent.objects.count() == events


def test_a_past_review_date_on_the_page_is_refused(record, aarhus, process_owner, site_client):
    client = site_client(aarhus, process_owner)
    response = client.post(
        reverse("governance:record_review", args=[record.pk]),
        {"next_review_due": (today() - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 400
    assert response.context["review_form"].errors["next_review_due"] == [
        "The next review must be after today."
    ]
    record.refresh_from_db()
    assert record.last_reviewed_at is None


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("site", ["member", "office"])
def test_list_page_query_count_is_constant(
    site,
    office,
    aarhus,
    process_owner,
    operator,
    place,
    activate,
    site_client,
    django_assert_num_queries,
):
    client = (
        site_client(aarhus, process_owner) if site == "member" else site_client(office, operator)
    )
    url = reverse("governance:record_list")
    activate(place())
    client.get(url)  # warm the per-process caches (tenant lookup, content types)
    few = _queries(client, url)
    for _ in range(4):
        activate(place())
    assert GovernanceRecord.objects.count() == 5
    with django_assert_num_queries(few):
        client.get(url)
    assert _queries(client, url) == few
