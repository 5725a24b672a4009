"""A claim reserves the run's first input, as Control Room does before it starts a run: it is
handed over as ``RC_WORKITEM_ID``, given back when the run never starts, and a run whose
queues have nothing to do ends at the claim as succeeded, "ingen opgaver" in its log."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from robots.models import Deployment, Job
from robots.monitoring.models import Alert
from robots.monitoring.tasks import detect_problems
from robots.runlogs.models import JobLogLine
from robots.services import jobs
from robots.tasks import expire_job_leases
from robots.workitems import services
from robots.workitems.models import WorkItem, WorkItemEvent
from tenants.services import site_host

pytestmark = pytest.mark.django_db
Status = WorkItem.Status


@pytest.fixture
def deployment(aarhus, make_deployment):
    return make_deployment(aarhus)


@pytest.fixture
def queue(aarhus, deployment):
    with schema_context(aarhus.schema_name):
        return services.create_queue(
            name="Lejetilbud", deployment=deployment, max_retries=2, retry_delay_seconds=0
        )


@pytest.fixture
def runner_client(office, make_runner):
    _runner, token = make_runner()
    return Client(
        HTTP_HOST=site_host(office),
        HTTP_AUTHORIZATION=f"Runner {token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def add(organisation, queue, reference) -> WorkItem:
    with schema_context(organisation.schema_name):
        return services.add_item(queue, reference=reference, payload={"sag": reference})


def item_in(organisation, item) -> WorkItem:
    with schema_context(organisation.schema_name):
        return WorkItem.objects.get(pk=item.pk)


def test_a_queue_marks_its_deployment_and_moving_it_clears_the_mark(
    aarhus, deployment, queue, make_deployment
):
    deployment.refresh_from_db()
    assert deployment.work_queues_attached is True
    other = make_deployment(aarhus, name="Anden robot")
    with schema_context(aarhus.schema_name):
        services.update_queue(queue, deployment=other)
    marks = dict(Deployment.objects.values_list("pk", "work_queues_attached"))
    assert marks[deployment.pk] is False
    assert marks[other.pk] is True


def test_the_claim_reserves_the_first_input_and_hands_it_over(
    aarhus, deployment, queue, runner_client
):
    first = add(aarhus, queue, "A-1")
    add(aarhus, queue, "A-2")
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    spec = runner_client.post("/api/v1/runner/claim/").json()
    assert spec["id"] == job.pk
    assert spec["robocorp"]["RC_WORKITEM_ID"] == str(first.pk)
    reserved = item_in(aarhus, first)
    assert (reserved.status, reserved.reserved_by_job, reserved.attempts) == (
        Status.IN_PROGRESS,
        job.pk,
        1,
    )
    job.refresh_from_db()
    assert job.first_work_item == first.pk


def test_a_deployment_without_queues_gets_no_first_input(aarhus, deployment, runner_client):
    jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    spec = runner_client.post("/api/v1/runner/claim/").json()
    assert spec["robocorp"]["RC_WORKITEM_ID"] == ""


def test_a_run_with_nothing_to_do_ends_succeeded_at_the_claim_without_an_alert(
    aarhus, deployment, queue, runner_client
):
    idle = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    assert runner_client.post("/api/v1/runner/claim/").status_code == 204
    idle.refresh_from_db()
    assert idle.status == Job.Status.SUCCEEDED
    assert idle.message.startswith("Ingen opgaver")
    assert idle.finished_at is not None
    with schema_context(aarhus.schema_name):
        log = list(JobLogLine.objects.filter(job_id=idle.pk).values_list("stream", "text"))
    assert len(log) == 1 and log[0][0] == "system" and log[0][1].startswith("Ingen opgaver")
    detect_problems()
    assert not Alert.objects.filter(
        subject_type=Alert.Subject.DEPLOYMENT, subject_id=deployment.pk
    ).exists()


def test_the_next_job_is_offered_after_a_run_with_nothing_to_do(
    aarhus, deployment, queue, make_deployment, runner_client
):
    jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    other = make_deployment(aarhus, name="Uden køer")
    waiting = jobs.enqueue(deployment=other, trigger=Job.Trigger.MANUAL)
    assert runner_client.post("/api/v1/runner/claim/").json()["id"] == waiting.pk


def test_the_first_input_goes_back_uncounted_when_the_robot_never_started(
    aarhus, deployment, queue, runner_client
):
    first = add(aarhus, queue, "A-1")
    jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    spec = runner_client.post("/api/v1/runner/claim/").json()
    report = {"succeeded": False, "message": "pip failed", "started": False, "token": spec["token"]}
    url = f"/api/v1/runner/jobs/{spec['id']}/complete/"
    assert runner_client.post(url, report, "application/json").status_code == 200
    given_back = item_in(aarhus, first)
    assert (given_back.status, given_back.attempts, given_back.reserved_by_job) == (
        Status.NEW,
        0,
        None,
    )
    with schema_context(aarhus.schema_name):
        assert WorkItemEvent.objects.filter(item=first, message__startswith="Given back")
    # Reporting again changes nothing.
    assert runner_client.post(url, report, "application/json").status_code == 200
    assert item_in(aarhus, first).attempts == 0


def test_a_run_that_never_released_its_first_input_hands_it_back_as_an_application_error(
    aarhus, deployment, queue, runner_client
):
    first = add(aarhus, queue, "A-1")
    jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    spec = runner_client.post("/api/v1/runner/claim/").json()
    report = {"succeeded": False, "exit_code": 1, "token": spec["token"]}
    runner_client.post(f"/api/v1/runner/jobs/{spec['id']}/complete/", report, "application/json")
    after = item_in(aarhus, first)
    assert (after.status, after.outcome, after.attempts) == (
        Status.NEW,  # tried again: the queue allows two attempts
        Status.APPLICATION_EXCEPTION,
        1,
    )


def test_a_silent_runners_first_input_goes_back_to_the_queue(
    aarhus, deployment, queue, runner_client
):
    first = add(aarhus, queue, "A-1")
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    runner_client.post("/api/v1/runner/claim/")
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert expire_job_leases() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.first_work_item is None
    assert item_in(aarhus, first).status == Status.NEW


def test_our_own_reserve_hands_out_the_first_input_first(
    office, aarhus, deployment, queue, runner_client
):
    first = add(aarhus, queue, "A-1")
    second = add(aarhus, queue, "A-2")
    jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    spec = runner_client.post("/api/v1/runner/claim/").json()
    robot = Client(HTTP_HOST=site_host(office), HTTP_AUTHORIZATION=f"Bearer {spec['token']}")
    reserve = f"/api/v1/robot/work-queues/{queue.pk}/reserve/"
    assert robot.post(reserve).json()["id"] == first.pk
    assert robot.post(reserve).json()["id"] == second.pk
    assert robot.post(reserve).status_code == 204
