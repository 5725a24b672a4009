"""Each detector raises one alert for a condition that persists, counts new occurrences,
tells the right people, and resolves the alert when the condition clears."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from robots.credentials import services as vault
from robots.models import Deployment
from robots.monitoring import detectors
from robots.monitoring.models import Alert
from robots.monitoring.services import Finding, raise_alert
from robots.services import jobs
from robots.workitems import services as queues
from tenants.models import Notification, Role
from tests.robots.monitoring.conftest import NOW

pytestmark = pytest.mark.django_db


def active(kind):
    return list(Alert.objects.filter(kind=kind, state__in=Alert.ACTIVE))


def recipients(alert):
    return {
        (n.recipient.email, n.organisation.slug)
        for n in Notification.objects.filter(url__endswith=f"#alert-{alert.pk}")
    }


def test_a_failed_run_raises_one_alert_and_a_later_success_resolves_it(
    aarhus, make_deployment, finish_job, operator, process_owner, make_user, office
):
    admin = make_user("chef@robotkontor.dk", office, Role.OFFICE_ADMIN)
    finance = make_user("okonomi@robotkontor.dk", office, Role.FINANCE)
    deployment = make_deployment(aarhus)
    failed = finish_job(deployment, succeeded=False)

    detectors.detect_failed_runs()
    detectors.detect_failed_runs()

    [alert] = active(Alert.Kind.FAILED_RUN)
    assert alert.organisation == aarhus
    assert (alert.subject_type, alert.subject_id) == ("job", failed.pk)
    assert alert.count == 1 and alert.severity == "critical"
    assert f"#{failed.pk}" in alert.text and deployment.name in alert.text
    # The process owner on the member's site, the office's operators on the console.
    # (dev@ and reviewer@ are the office developers who built the robot.)
    assert recipients(alert) == {
        (process_owner.email, "aarhus"),
        (operator.email, "office"),
        (admin.email, "office"),
        ("dev@robotkontor.dk", "office"),
        ("reviewer@robotkontor.dk", "office"),
    }
    assert finance.email not in {n.recipient.email for n in Notification.objects.all()}

    again = finish_job(deployment, succeeded=False)
    detectors.detect_failed_runs()
    [alert] = active(Alert.Kind.FAILED_RUN)
    assert alert.count == 2 and alert.subject_id == again.pk
    assert Notification.objects.count() == 5  # an update tells nobody again

    finish_job(deployment, succeeded=True)
    result = detectors.detect_failed_runs()
    assert result.resolved == 1
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_at and alert.resolved_by is None


def test_e_mails_go_out_after_commit(
    aarhus, make_deployment, finish_job, operator, django_capture_on_commit_callbacks
):
    finish_job(make_deployment(aarhus), succeeded=False)
    with django_capture_on_commit_callbacks(execute=True):
        detectors.detect_failed_runs()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "dev@robotkontor.dk",
        "drift@robotkontor.dk",
        "procesejer@aarhus.dk",
        "reviewer@robotkontor.dk",
    ]
    assert "failed" in mail.outbox[0].subject


def test_a_missed_schedule_raises_one_alert_until_a_firing_gets_its_job(aarhus, make_deployment):
    created = NOW - timedelta(days=7)
    deployment = make_deployment(
        aarhus, schedule="0 8 * * *", created_at=created, updated_at=created
    )
    # 09:00 Danish time: the 08:00 firing is an hour old and never got a job.
    detectors.detect_missed_schedules(now=NOW)
    detectors.detect_missed_schedules(now=NOW + timedelta(minutes=1))
    [alert] = active(Alert.Kind.MISSED_SCHEDULE)
    assert alert.subject_type == "deployment" and alert.subject_id == deployment.pk
    assert "04.03.2025 08:00" in alert.text and alert.count == 1

    # The next day's firing is missed too: the same alert counts it.
    detectors.detect_missed_schedules(now=NOW + timedelta(days=1))
    [alert] = active(Alert.Kind.MISSED_SCHEDULE)
    assert alert.count == 2

    # Two days on the beat queues the firing: the condition has cleared.
    assert jobs.enqueue_due_schedules(now=NOW + timedelta(days=2)) == 1
    detectors.detect_missed_schedules(now=NOW + timedelta(days=2))
    assert active(Alert.Kind.MISSED_SCHEDULE) == []


def test_within_grace_on_holidays_and_when_paused_nothing_is_missed(aarhus, make_deployment):
    created = NOW - timedelta(days=7)
    deployment = make_deployment(
        aarhus, schedule="55 8 * * *", created_at=created, updated_at=created
    )
    # 08:55 fired five minutes ago, within the ten-minute grace: yesterday's firing is the
    # one that must have its job, and it has.
    previous = NOW - timedelta(days=1, minutes=5)
    jobs.enqueue(deployment=deployment, trigger="schedule", scheduled_for=previous)
    detectors.detect_missed_schedules(now=NOW)
    assert active(Alert.Kind.MISSED_SCHEDULE) == []

    # Christmas Day evening: the schedule skipped the morning's firing.
    christmas = NOW.replace(month=12, day=25, hour=19)
    detectors.detect_missed_schedules(now=christmas)
    assert active(Alert.Kind.MISSED_SCHEDULE) == []

    Deployment.objects.filter(pk=deployment.pk).update(status=Deployment.Status.PAUSED)
    detectors.detect_missed_schedules(now=NOW + timedelta(days=3))
    assert active(Alert.Kind.MISSED_SCHEDULE) == []


def test_a_silent_runner_raises_one_office_alert_until_it_beats_again(make_runner, operator):
    runner, _token = make_runner()
    jobs.heartbeat(runner, job_ids=[], now=NOW - timedelta(minutes=6))
    detectors.detect_silent_runners(now=NOW)
    detectors.detect_silent_runners(now=NOW + timedelta(minutes=1))
    [alert] = active(Alert.Kind.RUNNER_SILENT)
    assert alert.organisation is None and alert.subject_id == runner.pk
    assert recipients(alert) == {(operator.email, "office")}

    jobs.heartbeat(runner, job_ids=[], now=NOW)
    detectors.detect_silent_runners(now=NOW + timedelta(minutes=1))
    assert active(Alert.Kind.RUNNER_SILENT) == []


def test_a_queue_past_its_sla_raises_one_alert_until_its_items_are_done(
    aarhus, make_deployment, process_owner, operator
):
    deployment = make_deployment(aarhus)
    with schema_context(aarhus.schema_name):
        queue = queues.create_queue(name="Lejetilbud", sla_minutes=60, deployment=deployment)
        item = queues.add_item(queue, reference="A-1")
        queues.add_item(queue, reference="A-2", deadline=None)
        later = item.created_at + timedelta(minutes=61)
        detectors.detect_queues_past_sla(aarhus, now=item.created_at)
        assert active(Alert.Kind.QUEUE_SLA) == []
        detectors.detect_queues_past_sla(aarhus, now=later)
        detectors.detect_queues_past_sla(aarhus, now=later)
        [alert] = active(Alert.Kind.QUEUE_SLA)
        assert alert.organisation == aarhus and alert.count == 1
        assert "2 items" in alert.text
        assert (process_owner.email, "aarhus") in recipients(alert)
        assert (operator.email, "office") in recipients(alert)

        for _ in range(2):
            reserved = queues.reserve_next(queue, now=later)
            queues.release(reserved, outcome="done", now=later)
        detectors.detect_queues_past_sla(aarhus, now=later)
    assert active(Alert.Kind.QUEUE_SLA) == []


def test_deadlines_at_risk_raise_one_alert_per_queue_critical_once_overdue(aarhus):
    with schema_context(aarhus.schema_name):
        queue = queues.create_queue(name="Frister")
        due = NOW + timedelta(hours=3)
        queues.add_item(queue, reference="B-1", deadline=due)
        queues.add_item(queue, reference="B-2", deadline=due + timedelta(hours=1))
        queues.add_item(queue, reference="B-3", deadline=NOW + timedelta(days=5))
        detectors.detect_deadlines_at_risk(aarhus, now=NOW - timedelta(days=1))
        assert active(Alert.Kind.DEADLINE_AT_RISK) == []

        detectors.detect_deadlines_at_risk(aarhus, now=NOW)
        [alert] = active(Alert.Kind.DEADLINE_AT_RISK)
        assert alert.severity == "warning" and alert.params["count"] == 2
        assert alert.params["deadline"] == "04.03.2025 12:00"

        detectors.detect_deadlines_at_risk(aarhus, now=due + timedelta(minutes=1))
        [alert] = active(Alert.Kind.DEADLINE_AT_RISK)
        assert alert.severity == "critical" and alert.params["overdue"] == 1

        for reserved in (queues.reserve_next(queue, now=NOW), queues.reserve_next(queue, now=NOW)):
            queues.release(reserved, outcome="done", now=NOW)
        detectors.detect_deadlines_at_risk(aarhus, now=due + timedelta(minutes=1))
    assert active(Alert.Kind.DEADLINE_AT_RISK) == []


def test_an_expiring_credential_raises_one_alert_until_it_is_renewed(
    aarhus, odense, make_user, operator
):
    owner = make_user("ejer@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    today = NOW.date()
    with schema_context(aarhus.schema_name):
        credential = vault.create_credential(
            organisation=aarhus,
            actor=owner,
            name="Funktionscertifikat",
            kind="api_key",
            api_key="hemmelig",
            expires_on=today + timedelta(days=20),
        )
        detectors.detect_expiring_credentials(aarhus, now=NOW)
        detectors.detect_expiring_credentials(aarhus, now=NOW)
        [alert] = active(Alert.Kind.CREDENTIAL_EXPIRING)
        assert alert.severity == "warning" and "24.03.2025" in alert.text
        assert recipients(alert) == {(owner.email, "aarhus"), (operator.email, "office")}
    # Odense's pass only looks after Odense's alerts.
    with schema_context(odense.schema_name):
        detectors.detect_expiring_credentials(odense, now=NOW)
    assert len(active(Alert.Kind.CREDENTIAL_EXPIRING)) == 1

    with schema_context(aarhus.schema_name):
        vault.update_credential(
            credential=credential, organisation=aarhus, actor=owner, expires_on=date(2026, 3, 1)
        )
        detectors.detect_expiring_credentials(aarhus, now=NOW)
    assert active(Alert.Kind.CREDENTIAL_EXPIRING) == []


def test_the_database_refuses_a_second_active_alert_for_a_key(aarhus):
    finding = Finding(
        key="k",
        organisation=aarhus,
        severity="warning",
        subject_type="queue",
        subject_id=1,
        subject_label="Kø",
        message="Something",
    )
    alert, new = raise_alert(Alert.Kind.QUEUE_SLA, finding)
    assert new
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            kind=alert.kind, dedupe_key="k", subject_type="queue", subject_id=1, message="x"
        )
    assert raise_alert(Alert.Kind.QUEUE_SLA, finding)[1] is False
