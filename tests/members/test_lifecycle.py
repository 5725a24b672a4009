"""Joining and leaving, through the services: what the office records and what happens to the
member's deployments, jobs, site and billing as its dates come."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import services as billing
from billing.models import MemberTerm, Period
from billing.selectors import period_members
from core.models import AuditEvent
from members.lifecycle import selectors, services, tasks
from members.models import Departure
from robots.models import Deployment, Job
from robots.services.jobs import enqueue
from tenants.models import KeyFigure, Organisation, Role
from tests.members.conftest import PDF, join_fields

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def items(organisation):
    return {item.key: item.done for item in selectors.checklist(organisation)}


def test_joining_clones_a_site_sets_the_term_and_lists_what_is_missing(office, office_admin):
    member = services.join_member(
        actor=office_admin, joined_on=date(2025, 3, 11), **join_fields("vejle", "29189730")
    )
    assert member.domains.get().domain == "vejle.localhost"
    assert MemberTerm.objects.get(organisation=member).joined_on == date(2025, 3, 11)
    assert AuditEvent.objects.filter(action="members.member.joined", actor=office_admin).exists()
    assert items(member) == {
        "details": True,
        "site": True,
        "term": True,
        "key_figures": False,
        "administrator": False,
        "sso": False,
        "agreement": False,
    }
    assert not selectors.can_order_robots(selectors.checklist(member))


def test_the_checklist_is_complete_with_figures_administrator_and_agreement(
    office, office_admin, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    member = services.join_member(
        actor=office_admin, joined_on=date(2025, 3, 11), **join_fields("vejle", "29189730")
    )
    services.add_key_figure(
        organisation=member,
        actor=office_admin,
        kind=KeyFigure.Kind.POPULATION,
        value=116_000,
        valid_from=date(2025, 1, 1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_administrator(
            organisation=member, email="It@Vejle.dk", actor=office_admin, site=office
        )
    assert invitation.role == Role.MEMBER_ADMIN and invitation.email == "it@vejle.dk"
    assert [mail.to for mail in mailoutbox] == [["it@vejle.dk"]]
    # Invited is not yet an administrator: the item says so and stays open.
    assert not items(member)["administrator"]
    make_user("it@vejle.dk", member, Role.MEMBER_ADMIN)
    services.add_agreement(
        organisation=member,
        version="2.1",
        signed_on=date(2025, 3, 1),
        document=SimpleUploadedFile("dpa.pdf", PDF, "application/pdf"),
        actor=office_admin,
    )
    assert selectors.can_order_robots(selectors.checklist(member))
    assert not items(member)["sso"], "single sign-on is optional"
    assert {
        "members.key_figure.set",
        "members.administrator.invited",
        "members.agreement.added",
    } <= set(AuditEvent.objects.values_list("action", flat=True))


def test_single_sign_on_is_set_up_as_configure_sso_does(aarhus, office_admin):
    with pytest.raises(ValidationError) as refused:
        services.set_up_sso(
            organisation=aarhus, actor=office_admin, provider="openid_connect", name="Aarhus AD"
        )
    assert set(refused.value.message_dict) == {"client_id", "secret", "server_url"}
    assert not items(aarhus)["sso"]
    services.set_up_sso(
        organisation=aarhus,
        actor=office_admin,
        provider="saml",
        name="Aarhus AD",
        metadata_url="https://idp.aarhus.example/metadata",
    )
    assert items(aarhus)["sso"]


def test_an_agreement_must_be_a_pdf_signed_in_the_past(aarhus, office_admin):
    with pytest.raises(ValidationError):
        services.add_agreement(
            organisation=aarhus,
            version="1",
            signed_on=date(2025, 1, 1),
            document=SimpleUploadedFile("dpa.exe", b"MZ", "application/octet-stream"),
            actor=office_admin,
        )
    with pytest.raises(ValidationError):
        services.add_agreement(
            organisation=aarhus,
            version="1",
            signed_on=timezone.localdate() + timedelta(days=1),
            document=SimpleUploadedFile("dpa.pdf", PDF, "application/pdf"),
            actor=office_admin,
        )
    assert not selectors.agreements_of(aarhus).exists()


def test_the_term_changes_audited_and_never_leaves_before_joining(aarhus, finance):
    services.change_term(
        organisation=aarhus, joined_on=date(2025, 1, 1), left_on=None, actor=finance
    )
    with pytest.raises(ValidationError, match="leave before it joined"):
        services.change_term(
            organisation=aarhus,
            joined_on=date(2025, 1, 1),
            left_on=date(2024, 12, 31),
            actor=finance,
        )
    services.change_term(
        organisation=aarhus, joined_on=date(2025, 2, 11), left_on=None, actor=finance
    )
    event = AuditEvent.objects.filter(action="members.term.changed").latest("pk")
    assert event.changes == {"joined_on": ["2025-01-01", "2025-02-11"]}
    assert MemberTerm.objects.get(organisation=aarhus).left_on is None


def test_a_closed_period_cannot_change(aarhus, odense, finance, rate_card):
    services.change_term(
        organisation=aarhus, joined_on=date(2025, 1, 1), left_on=None, actor=finance
    )
    billing.close_period(billing.get_period(date(2025, 3, 1)))
    for joined_on, left_on in [
        (date(2025, 3, 15), None),  # joins later, inside March
        (date(2025, 1, 1), date(2025, 3, 20)),  # leaves inside March
        (date(2025, 1, 1), date(2025, 2, 28)),  # leaves before March: March changes too
    ]:
        with pytest.raises(ValidationError, match="2025-03 is closed"):
            services.change_term(
                organisation=aarhus, joined_on=joined_on, left_on=left_on, actor=finance
            )
    # Odense, without a term, was a member of March: a term starting after 1 March would
    # take days from it; one from before March is what the close billed.
    with pytest.raises(ValidationError, match="2025-03 is closed"):
        services.change_term(
            organisation=odense, joined_on=date(2025, 3, 2), left_on=None, actor=finance
        )
    services.change_term(
        organisation=odense, joined_on=date(2025, 3, 1), left_on=None, actor=finance
    )
    # A new member cannot join into (or before) a closed month.
    with pytest.raises(ValidationError, match="2025-03 is closed"):
        services.join_member(
            actor=finance, joined_on=date(2025, 3, 31), **join_fields("vejle", "29189730")
        )
    assert not Organisation.objects.filter(slug="vejle").exists()
    # April is open: leaving in it is fine.
    services.change_term(
        organisation=aarhus, joined_on=date(2025, 1, 1), left_on=date(2025, 4, 10), actor=finance
    )
    with pytest.raises(ValidationError, match="2025-03 is closed"):
        services.record_leaving(
            organisation=odense,
            left_on=date(2025, 3, 31),
            reason="x",
            decision_reference="y",
            actor=finance,
        )


@pytest.fixture
def leaving_member(aarhus, office_admin, make_deployment, rate_card):
    """Aarhus, a member since 2025, with an active deployment and a queued job."""
    services.change_term(
        organisation=aarhus, joined_on=date(2025, 1, 1), left_on=None, actor=office_admin
    )
    deployment = make_deployment(aarhus)
    job = enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    return aarhus, deployment, job


def test_leaving_today_pauses_and_cancels_then_retires_and_closes_the_day_after(
    leaving_member, office_admin, staff, site_client
):
    member, deployment, job = leaving_member
    today = timezone.localdate()
    services.record_leaving(
        organisation=member,
        left_on=today,
        reason="Fusion med nabokommunen",
        decision_reference="Bestyrelsesmøde 2025-05, pkt. 4",
        actor=office_admin,
        today=today,
    )
    deployment.refresh_from_db()
    job.refresh_from_db()
    member.refresh_from_db()
    assert deployment.status == Deployment.Status.PAUSED
    assert job.status == Job.Status.CANCELLED
    assert member.is_active, "its last day: still a member"
    assert site_client(member, staff).get("/").status_code == 200
    assert MemberTerm.objects.get(organisation=member).left_on == today
    departure = Departure.objects.get(organisation=member)
    assert departure.paused_at is not None and departure.completed_at is None

    assert services.apply_leaving(organisation=member, today=today + timedelta(days=1))
    deployment.refresh_from_db()
    member.refresh_from_db()
    assert deployment.status == Deployment.Status.RETIRED
    assert not member.is_active
    assert site_client(member, staff).get("/").status_code == 403
    departure.refresh_from_db()
    assert departure.completed_at is not None
    # Idempotent: again changes nothing and records nothing more.
    events = AuditEvent.objects.count()
    services.apply_leaving(organisation=member, today=today + timedelta(days=2))
    assert AuditEvent.objects.count() == events


def test_a_future_leave_date_waits_for_the_beat_task(leaving_member, office_admin):
    member, deployment, job = leaving_member
    yesterday = timezone.localdate() - timedelta(days=1)
    services.record_leaving(
        organisation=member,
        left_on=yesterday,
        reason="Aftalen udløber",
        decision_reference="Byrådsbeslutning 12/2025",
        actor=office_admin,
        today=yesterday - timedelta(days=1),  # recorded the day before its last day
    )
    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.ACTIVE
    assert tasks.apply_due_leavings() == 1
    deployment.refresh_from_db()
    job.refresh_from_db()
    member.refresh_from_db()
    assert (deployment.status, job.status, member.is_active) == (
        Deployment.Status.RETIRED,
        Job.Status.CANCELLED,
        False,
    )
    assert tasks.apply_due_leavings() == 0


def test_leaving_is_refused_before_joining_twice_or_without_a_term(
    leaving_member, odense, office_admin
):
    member, deployment, _job = leaving_member
    for organisation, left_on, message in [
        (member, date(2024, 12, 31), "leave before it joined"),
        (odense, timezone.localdate(), "joined first"),
    ]:
        with pytest.raises(ValidationError, match=message):
            services.record_leaving(
                organisation=organisation,
                left_on=left_on,
                reason="x",
                decision_reference="y",
                actor=office_admin,
            )
    with pytest.raises(ValidationError):
        services.record_leaving(
            organisation=member,
            left_on=timezone.localdate() + timedelta(days=30),
            reason=" ",
            decision_reference="y",
            actor=office_admin,
        )
    assert not Departure.objects.exists()
    assert MemberTerm.objects.get(organisation=member).left_on is None
    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.ACTIVE
    services.record_leaving(
        organisation=member,
        left_on=timezone.localdate() + timedelta(days=30),
        reason="x",
        decision_reference="y",
        actor=office_admin,
    )
    with pytest.raises(ValidationError, match="already recorded"):
        services.record_leaving(
            organisation=member,
            left_on=timezone.localdate() + timedelta(days=40),
            reason="x",
            decision_reference="y",
            actor=office_admin,
        )


def test_the_leave_month_gives_the_final_invoice_and_counts_only_member_days(
    aarhus, odense, office, office_admin, finance, rate_card, site_client
):
    services.change_term(
        organisation=aarhus, joined_on=date(2025, 1, 1), left_on=None, actor=office_admin
    )
    services.record_leaving(
        organisation=aarhus,
        left_on=date(2025, 3, 20),
        reason="Udtræder",
        decision_reference="Beslutning 1",
        actor=office_admin,
        today=date(2025, 3, 1),
    )
    march = billing.get_period(date(2025, 3, 1))
    days = {member.organisation_id: member.days for member in period_members(march)}
    assert days[aarhus.pk] == 20 and days[odense.pk] == 31
    assert aarhus.pk not in {
        member.organisation_id for member in period_members(billing.get_period(date(2025, 4, 1)))
    }
    billing.create_cost_pool(period=march, name="Løn", amount_ore=31_000_00, key="equal")
    billing.close_period(march)
    invoices = {invoice.organisation_id: invoice for invoice in march.invoices.all()}
    assert invoices[aarhus.pk].is_final_settlement
    assert not invoices[odense.pk].is_final_settlement
    assert Period.objects.get(pk=march.pk).is_final
    # After its last day its site is closed; the office still reads its billing.
    services.apply_leaving(organisation=aarhus, today=date(2025, 3, 21))
    aarhus.refresh_from_db()
    assert not aarhus.is_active
    office_client = site_client(office, finance)
    office_client.cookies["django_language"] = "en"
    page = office_client.get(f"/billing/periods/{march.pk}/").content.decode()
    assert "Aarhus Kommune" in page and page.count('data-testid="final-settlement"') == 1
    invoices = office_client.get("/api/v1/billing/invoices/").json()["results"]
    assert "aarhus" in {invoice["organisation"] for invoice in invoices}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    joined=st.dates(date(2024, 1, 1), date(2026, 12, 31)),
    left=st.one_of(st.none(), st.dates(date(2024, 1, 1), date(2026, 12, 31))),
)
def test_a_refused_term_change_changes_nothing(aarhus, finance, joined, left):
    """Whatever dates are sent, the term afterwards is the new one, or the old one with a
    refusal naming why; no event is recorded for a refusal."""
    before = (date(2025, 1, 1), None)
    billing.set_member_term(organisation=aarhus, joined_on=before[0], left_on=before[1])
    events = AuditEvent.objects.count()
    try:
        services.change_term(organisation=aarhus, joined_on=joined, left_on=left, actor=finance)
    except ValidationError as refusal:
        term = MemberTerm.objects.get(organisation=aarhus)
        assert (term.joined_on, term.left_on) == before
        assert left is not None and left < joined
        assert refusal.message_dict == {"left_on": ["A member cannot leave before it joined."]}
        assert AuditEvent.objects.count() == events
    else:
        term = MemberTerm.objects.get(organisation=aarhus)
        assert (term.joined_on, term.left_on) == (joined, left)


def test_a_municipality_needs_its_ean_number_a_housing_organisation_does_not(office, office_admin):
    housing = services.join_member(
        actor=office_admin,
        joined_on=date(2025, 3, 11),
        **{**join_fields("boligselskabet", "29189730"), "kind": "housing", "ean": ""},
    )
    assert items(housing)["details"]
    municipality = services.join_member(
        actor=office_admin,
        joined_on=date(2025, 3, 11),
        **{**join_fields("vejle", "29189714"), "ean": ""},
    )
    assert not items(municipality)["details"]
