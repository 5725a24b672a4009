"""No member's data can stop the office's periodic tasks (issue 14, item 1).

A cron that never fires is refused where schedules enter (forms, API). A poisoned row that is
already in the database (put there directly, as data written before the check would be) is
processed on its own: it is left unchanged and alerted (``task_failed``), and every other
member's jobs still start."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from core.tasks import isolated_row, row_failed
from robots.models import Deployment, Job
from robots.monitoring import detectors
from robots.monitoring.models import Alert
from robots.schedules import next_fire_time, validate_cron
from robots.services import jobs
from robots.workitems.models import WorkItem, WorkQueue
from robots.workitems.services import triggers as queue_triggers
from tenants import services

pytestmark = pytest.mark.django_db

NEVER = "0 6 30 2 *"  # 06:00 on 30 February


def api(organisation, user):
    key = services.issue_api_token(user=user, organisation=organisation, name="test")[1]
    return Client(
        HTTP_HOST=services.site_host(organisation),
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_ACCEPT_LANGUAGE="en",
    )


# --- Schedules that never fire are refused ----------------------------------------------------


@pytest.mark.parametrize("expression", [NEVER, "0 6 31 4 *", "0 0 31 2,4,6 *"])
def test_a_cron_that_never_fires_is_refused_with_a_clear_message(expression):
    with pytest.raises(ValidationError) as refused:
        validate_cron(expression)
    assert refused.value.code == "cron_never_fires"
    with translation.override("en"):
        assert "never runs" in refused.value.messages[0]
        assert "30 February" in refused.value.messages[0]
    with translation.override("da"):
        assert "kører aldrig" in refused.value.messages[0]
        assert "30. februar" in refused.value.messages[0]


@pytest.mark.parametrize("expression", ["0 6 29 2 *", "0 6 * * 1-5", "0 6 31 * *", ""])
def test_rare_but_real_schedules_pass(expression):
    validate_cron(expression)  # 29 February fires every four years


def test_next_fire_time_is_none_for_a_schedule_that_never_fires():
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert next_fire_time(NEVER, now) is None
    assert next_fire_time("0 6 29 2 *", now) == datetime(2028, 2, 29, 5, 0, tzinfo=UTC)


def test_the_api_refuses_a_deployment_schedule_that_never_fires(
    aarhus, office, operator, make_deployment
):
    deployment = make_deployment(aarhus, schedule="0 6 * * *")
    response = api(office, operator).patch(
        f"/api/v1/deployments/{deployment.pk}/",
        {"schedule": NEVER},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "never runs" in str(response.json()["error"]["fields"]["schedule"])
    deployment.refresh_from_db()
    assert deployment.schedule == "0 6 * * *"


def test_the_order_form_refuses_a_schedule_that_never_fires(
    aarhus, staff, process_owner, orderable, site_client
):
    from orders.models import Order

    url = reverse("orders:order_create", args=[orderable.robot.slug])
    data = {
        "robot_version": orderable.pk,
        "process_owner": process_owner.pk,
        "proposed_schedule": NEVER,
        "param_afdeling": "Vest",
        "param_dage_frist": "14",
        "param_system": "EG Bolig",
    }
    response = site_client(aarhus, staff).post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "never runs" in str(response.context["form"].errors["proposed_schedule"])
    assert not Order.objects.exists()


# --- A poisoned row already in the database ---------------------------------------------------


@pytest.fixture
def scheduled(aarhus, odense, make_deployment):
    """Every minute for Aarhus and Odense, and one Aarhus deployment whose schedule was
    poisoned in the database directly; all older than the firings tested."""

    def make():
        good = [
            make_deployment(aarhus, name="Aarhus hvert minut", schedule="* * * * *"),
            make_deployment(odense, name="Odense hvert minut", schedule="* * * * *"),
        ]
        poisoned = make_deployment(aarhus, name="Forgiftet", schedule="0 6 * * *")
        Deployment.objects.filter(pk=poisoned.pk).update(schedule=NEVER)
        Deployment.objects.update(created_at=timezone.now() - timedelta(days=1))
        Job.objects.all().delete()
        return good, Deployment.objects.get(pk=poisoned.pk)

    return make


def test_a_poisoned_schedule_does_not_stop_any_other_members_jobs(aarhus, scheduled):
    good, poisoned = scheduled()

    assert jobs.enqueue_due_schedules() == 2

    assert {job.deployment_id for job in Job.objects.all()} == {d.pk for d in good}
    assert {job.organisation.slug for job in Job.objects.all()} == {"aarhus", "odense"}
    poisoned.refresh_from_db()
    assert poisoned.last_scheduled_for is None  # left as it was
    assert not Job.objects.filter(deployment=poisoned).exists()
    alert = Alert.objects.get(kind=Alert.Kind.TASK_FAILED)
    assert alert.organisation == aarhus
    assert (alert.subject_type, alert.subject_id) == ("deployment", poisoned.pk)
    assert alert.state == Alert.State.OPEN and alert.severity == Alert.Severity.CRITICAL
    with translation.override("en"):
        assert "robots.tasks.enqueue_scheduled_jobs" in alert.text
        assert "Forgiftet" in alert.text and "went on with the others" in alert.text

    # The next pass goes on the same way: the one alert counts it again, nothing new.
    later = timezone.now() + timedelta(minutes=1, seconds=5)
    assert jobs.enqueue_due_schedules(now=later) == 2
    alert.refresh_from_db()
    assert alert.count == 2
    assert Alert.objects.filter(kind=Alert.Kind.TASK_FAILED).count() == 1


def test_the_missed_schedule_detector_goes_on_past_a_poisoned_schedule(aarhus, scheduled):
    good, poisoned = scheduled()
    # Nobody queued the minute's jobs: both good deployments missed theirs.
    found = detectors.detect_office_problems(now=timezone.now() + timedelta(minutes=30))

    assert found[Alert.Kind.MISSED_SCHEDULE]["raised"] == 2
    assert found[Alert.Kind.FAILED_RUN] is not None and found[Alert.Kind.RUNNER_SILENT] is not None
    missed = Alert.objects.filter(kind=Alert.Kind.MISSED_SCHEDULE)
    assert {alert.subject_id for alert in missed} == {d.pk for d in good}
    failed = Alert.objects.get(kind=Alert.Kind.TASK_FAILED)
    assert failed.subject_id == poisoned.pk and failed.organisation == aarhus


def test_a_broken_member_schema_does_not_stop_the_queue_triggers_of_others(
    aarhus, odense, make_deployment
):
    fields = {"queue_trigger_min_items": 1, "queue_trigger_items_per_job": 1}
    in_aarhus = make_deployment(aarhus, name="Aarhus kø", **fields)
    in_odense = make_deployment(odense, name="Odense kø", **fields)
    for organisation, deployment in ((aarhus, in_aarhus), (odense, in_odense)):
        with schema_context(organisation.schema_name):
            queue = WorkQueue.objects.create(name="Kø", deployment=deployment)
            WorkItem.objects.create(queue=queue, reference="r1")
    # Aarhus's schema lost its items table (rolled back with the test's transaction).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks, done
        cursor.execute(f'DROP TABLE "{aarhus.schema_name}".workitems_workitem CASCADE')

    assert queue_triggers.enqueue_queue_triggers() == 1

    assert list(Job.objects.values_list("deployment_id", flat=True)) == [in_odense.pk]
    alert = Alert.objects.get(kind=Alert.Kind.TASK_FAILED)
    assert alert.organisation == aarhus
    assert "robots.tasks.enqueue_queue_triggered_jobs" in alert.params["task"]


def test_a_member_detector_that_fails_leaves_the_others_running(aarhus, make_deployment):
    with schema_context(aarhus.schema_name):
        queue = WorkQueue.objects.create(name="SLA", sla_minutes=1)
        WorkItem.objects.create(queue=queue, reference="late")
        WorkItem.objects.update(created_at=timezone.now() - timedelta(hours=1))
        # An item whose deadline no reader can parse, written past every check (year 0).
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE workitems_workitem SET deadline = '0001-01-01 00:00:00+01'"
                " WHERE reference = 'late'"
            )
        found = detectors.detect_member_problems(aarhus)

    assert found[Alert.Kind.QUEUE_SLA]["raised"] == 1
    assert found[Alert.Kind.CREDENTIAL_EXPIRING] is not None
    assert found[Alert.Kind.DEADLINE_AT_RISK] is None
    alert = Alert.objects.get(kind=Alert.Kind.TASK_FAILED)
    assert alert.organisation == aarhus
    assert alert.params["row"] == "the deadline_at_risk detector"


# --- isolated_row itself ----------------------------------------------------------------------


def test_a_failing_row_is_rolled_back_whole_and_announced(aarhus, make_deployment):
    deployment = make_deployment(aarhus, schedule="0 6 * * *")
    heard = []

    def listen(sender, **kwargs):
        heard.append(kwargs)

    row_failed.connect(listen)
    try:
        with isolated_row("test.task", "the row", subject=("deployment", deployment.pk)):
            Deployment.objects.filter(pk=deployment.pk).update(name="Halvt skrevet")
            raise RuntimeError("boom")
        with isolated_row("test.task", "the next row"):
            Deployment.objects.filter(pk=deployment.pk).update(priority=7)
    finally:
        row_failed.disconnect(listen)

    deployment.refresh_from_db()
    assert deployment.name != "Halvt skrevet"  # nothing half-written
    assert deployment.priority == 7  # the next row went on
    assert len(heard) == 1
    assert heard[0]["row"] == "the row" and isinstance(heard[0]["error"], RuntimeError)
    assert Alert.objects.get(kind=Alert.Kind.TASK_FAILED).organisation is None
