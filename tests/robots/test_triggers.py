"""Triggers (API, queue), pause/resume and the limits the office sets on a deployment."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from core.models import AuditEvent
from robots import services as deployments
from robots.models import Deployment, Job
from robots.services import jobs
from robots.workitems.models import WorkItem, WorkQueue
from robots.workitems.services import triggers as queue_triggers
from tenants import services
from tenants.models import Role

pytestmark = pytest.mark.django_db


def api(organisation, user):
    key = services.issue_api_token(user=user, organisation=organisation, name="test")[1]
    return Client(
        HTTP_HOST=services.site_host(organisation),
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def run_url(deployment):
    return f"/api/v1/deployments/{deployment.pk}/run/"


# --- API trigger ---------------------------------------------------------------------------


def test_the_process_owner_starts_a_run_over_the_api_with_parameters_for_it(
    aarhus, process_owner, make_deployment
):
    deployment = make_deployment(aarhus)
    response = api(aarhus, process_owner).post(
        run_url(deployment), {"parameters": {"dage_frist": 3}}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    job = Job.objects.get()
    assert response.json()["id"] == job.pk
    assert job.trigger == Job.Trigger.API and job.status == Job.Status.QUEUED
    assert job.requested_by == process_owner
    assert job.effective_parameters == {"afdeling": "Vest", "dage_frist": 3}
    assert deployment.parameters["dage_frist"] == 14  # the deployment keeps its own
    event = AuditEvent.objects.get(action="robots.job.queued")
    assert event.changes["trigger"] == "api"


def test_run_parameters_are_checked_against_the_robots_schema(
    aarhus, process_owner, make_deployment
):
    deployment = make_deployment(aarhus)
    response = api(aarhus, process_owner).post(
        run_url(deployment),
        {"parameters": {"dage_frist": 99, "ukendt": 1}},
        content_type="application/json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "parameters.dage_frist" in fields and "parameters" in fields
    assert not Job.objects.exists()


def test_a_run_without_body_uses_the_deployments_parameters(aarhus, process_owner, make_deployment):
    deployment = make_deployment(aarhus)
    assert api(aarhus, process_owner).post(run_url(deployment)).status_code == 201
    assert Job.objects.get().effective_parameters == deployment.parameters


def test_staff_without_the_right_and_anonymous_callers_cannot_start_runs(
    aarhus, staff, make_deployment
):
    deployment = make_deployment(aarhus)
    assert api(aarhus, staff).post(run_url(deployment)).status_code == 403
    anonymous = Client(HTTP_HOST=services.site_host(aarhus))
    assert anonymous.post(run_url(deployment)).status_code in (401, 403)
    assert not Job.objects.exists()


def test_another_members_deployment_is_not_found(aarhus, odense, make_user, make_deployment):
    theirs = make_deployment(odense)
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    assert api(aarhus, admin).post(run_url(theirs)).status_code == 404
    assert not Job.objects.exists()


def test_the_office_starts_any_members_deployment(aarhus, office, operator, make_deployment):
    deployment = make_deployment(aarhus)
    assert api(office, operator).post(run_url(deployment)).status_code == 201
    assert Job.objects.get().organisation == aarhus


def test_a_paused_deployment_refuses_api_runs_with_a_conflict(
    aarhus, process_owner, operator, make_deployment
):
    deployment = make_deployment(aarhus)
    deployments.pause_deployment(deployment=deployment, actor=operator)
    response = api(aarhus, process_owner).post(run_url(deployment))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "not_active" and "only an active deployment runs" in error["message"]
    assert not Job.objects.exists()


# --- Queue trigger -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("min_items", "max_jobs", "per_job", "waiting", "wanted"),
    [
        (None, 5, 10, 1000, 0),  # no trigger
        (5, 3, 10, 4, 0),  # below the threshold
        (5, 3, 10, 5, 1),
        (5, 3, 10, 10, 1),
        (5, 3, 10, 11, 2),
        (5, 3, 10, 25, 3),
        (5, 3, 10, 500, 3),  # capped
        (1, 4, None, 500, 1),  # no items per job: one at a time
        (50, 4, 10, 50, 4),
    ],
)
def test_queue_trigger_arithmetic(min_items, max_jobs, per_job, waiting, wanted):
    deployment = Deployment(
        queue_trigger_min_items=min_items,
        queue_trigger_max_jobs=max_jobs,
        queue_trigger_items_per_job=per_job,
    )
    assert deployment.queue_trigger_jobs_wanted(waiting) == wanted


@pytest.fixture
def fill_queue(aarhus):
    def fill(deployment, count, **fields):
        with schema_context(aarhus.schema_name):
            queue, _created = WorkQueue.objects.get_or_create(
                name=f"Kø {deployment.pk}", defaults={"deployment": deployment}
            )
            WorkItem.objects.bulk_create(
                WorkItem(queue=queue, reference=f"r{n}", **fields) for n in range(count)
            )

    return fill


def test_the_queue_trigger_tops_up_jobs_idempotently(aarhus, make_deployment, fill_queue):
    deployment = make_deployment(
        aarhus, queue_trigger_min_items=5, queue_trigger_max_jobs=3, queue_trigger_items_per_job=10
    )
    fill_queue(deployment, 4)
    fill_queue(deployment, 10, defer_until=timezone.now() + timedelta(hours=1))  # not yet
    fill_queue(deployment, 3, status=WorkItem.Status.DONE)
    assert queue_triggers.enqueue_queue_triggers() == 0
    fill_queue(deployment, 1)
    assert queue_triggers.enqueue_queue_triggers() == 1
    assert queue_triggers.enqueue_queue_triggers() == 0  # the queued job counts
    fill_queue(deployment, 16)  # 21 waiting: three jobs
    assert queue_triggers.enqueue_queue_triggers() == 2
    assert queue_triggers.enqueue_queue_triggers() == 0
    assert Job.objects.filter(deployment=deployment, trigger=Job.Trigger.QUEUE).count() == 3
    fill_queue(deployment, 100)
    assert queue_triggers.enqueue_queue_triggers() == 0  # at most three


def test_jobs_of_any_trigger_count_against_the_queue_trigger(
    aarhus, make_deployment, fill_queue, make_runner
):
    deployment = make_deployment(
        aarhus, queue_trigger_min_items=1, queue_trigger_max_jobs=2, queue_trigger_items_per_job=1
    )
    jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    runner, _token = make_runner()
    jobs.claim(runner)  # running
    fill_queue(deployment, 5)
    assert queue_triggers.enqueue_queue_triggers() == 1
    assert Job.objects.filter(status__in=["queued", "running"]).count() == 2


def test_paused_deployments_and_deployments_without_trigger_are_left_alone(
    aarhus, operator, make_deployment, fill_queue
):
    paused = make_deployment(aarhus, name="Paused", queue_trigger_min_items=1)
    deployments.pause_deployment(deployment=paused, actor=operator)
    untriggered = make_deployment(aarhus, name="No trigger")
    fill_queue(paused, 5)
    fill_queue(untriggered, 5)
    assert queue_triggers.enqueue_queue_triggers() == 0
    deployments.resume_deployment(deployment=paused, actor=operator)
    assert queue_triggers.enqueue_queue_triggers() == 1


def test_the_queue_trigger_counts_each_members_items_in_one_query(
    aarhus, odense, make_deployment, fill_queue
):
    for n in range(3):
        make_deployment(aarhus, name=f"A{n}", queue_trigger_min_items=1)
    theirs = make_deployment(odense, queue_trigger_min_items=1)
    with schema_context(odense.schema_name):
        queue = WorkQueue.objects.create(name="Kø", deployment=theirs)
        WorkItem.objects.create(queue=queue, reference="x")
    for deployment in Deployment.objects.filter(organisation=aarhus):
        fill_queue(deployment, 2)
    with CaptureQueriesContext(connection) as queries:
        assert queue_triggers.enqueue_queue_triggers() == 4
    item_counts = [q for q in queries.captured_queries if "workitems_workitem" in q["sql"]]
    assert len(item_counts) == 2


# --- Pause and resume ----------------------------------------------------------------------


def test_a_paused_deployment_neither_schedules_nor_hands_out_queued_jobs(
    aarhus, operator, make_deployment, make_runner
):
    deployment = make_deployment(aarhus, schedule="0 6 * * *", skip_holidays=False)
    running = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    runner, _token = make_runner()
    assert jobs.claim(runner).job == running
    waiting = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    deployments.pause_deployment(deployment=deployment, actor=operator)

    assert jobs.claim(runner) is None  # the queued job waits
    assert jobs.heartbeat(runner, job_ids=[running.pk]) == {running.pk: "continue"}
    assert jobs.enqueue_due_schedules(now=timezone.now() + timedelta(days=1)) == 0
    deployment.refresh_from_db()
    with pytest.raises(ValidationError):
        jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)

    jobs.complete(runner, running.pk, succeeded=True)  # the running job ends normally
    assert jobs.claim(runner) is None
    deployments.resume_deployment(deployment=deployment, actor=operator)
    assert jobs.claim(runner).job == waiting
    statuses = AuditEvent.objects.filter(action="robots.deployment.status_changed")
    assert [e.changes["status"] for e in statuses.order_by("pk")] == [
        ["active", "paused"],
        ["paused", "active"],
    ]


def test_resuming_does_not_make_up_for_fires_missed_while_paused(aarhus, operator, make_deployment):
    deployment = make_deployment(aarhus, schedule="* * * * *")
    deployments.pause_deployment(deployment=deployment, actor=operator)
    deployments.resume_deployment(deployment=deployment, actor=operator)
    assert jobs.enqueue_due_schedules() == 0
    assert jobs.enqueue_due_schedules(now=timezone.now() + timedelta(minutes=1)) == 1


def test_a_retired_deployment_is_neither_paused_nor_resumed(aarhus, operator, make_deployment):
    deployment = make_deployment(aarhus, status=Deployment.Status.RETIRED)
    with pytest.raises(ValidationError):
        deployments.pause_deployment(deployment=deployment, actor=operator)
    with pytest.raises(ValidationError):
        deployments.resume_deployment(deployment=deployment, actor=operator)


# --- Schedule and limits -------------------------------------------------------------------


def test_an_invalid_cron_expression_changes_nothing(aarhus, operator, make_deployment):
    deployment = make_deployment(aarhus, schedule="0 6 * * 1-5")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        deployments.update_deployment(
            deployment=deployment, actor=operator, schedule="every morning", max_concurrency=5
        )
    assert "is not a valid cron expression" in str(refused.value.message_dict["schedule"])
    deployment.refresh_from_db()
    assert (deployment.schedule, deployment.max_concurrency) == ("0 6 * * 1-5", 1)
    assert not AuditEvent.objects.filter(action="robots.deployment.updated").exists()


def test_changes_are_audited_and_a_new_schedule_does_not_fire_for_the_past(
    aarhus, operator, make_deployment
):
    deployment = make_deployment(aarhus, schedule="0 6 * * *", skip_holidays=False)
    deployment.created_at = datetime(2026, 1, 1, tzinfo=UTC)
    deployment.save()
    deployments.update_deployment(
        deployment=deployment,
        actor=operator,
        schedule="*/5 * * * *",
        max_concurrency=2,
        required_labels=["sap-gui"],
        priority=0,  # unchanged: not in the audit
    )
    event = AuditEvent.objects.get(action="robots.deployment.updated")
    assert event.changes == {
        "schedule": ["0 6 * * *", "*/5 * * * *"],
        "max_concurrency": [1, 2],
        "required_labels": [[], ["sap-gui"]],
    }
    assert jobs.enqueue_due_schedules() == 0
    assert jobs.enqueue_due_schedules(now=timezone.now() + timedelta(minutes=5)) == 1
    assert Job.objects.get().required_labels == ["sap-gui"]


def test_the_office_patches_limits_over_the_api(aarhus, office, operator, make_deployment):
    deployment = make_deployment(aarhus)
    client = api(office, operator)
    url = f"/api/v1/deployments/{deployment.pk}/"
    response = client.patch(
        url,
        {"max_concurrency": 3, "queue_trigger_min_items": 10, "timeout_minutes": 15},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["max_concurrency"] == 3
    refused = client.patch(url, {"schedule": "61 * * * *"}, content_type="application/json")
    assert refused.status_code == 400
    assert "cron" in str(refused.json()["error"]["fields"]["schedule"])
    deployment.refresh_from_db()
    assert (deployment.schedule, deployment.queue_trigger_min_items) == ("", 10)


def test_members_pause_over_the_api_but_do_not_change_limits(
    aarhus, process_owner, make_deployment
):
    deployment = make_deployment(aarhus)
    client = api(aarhus, process_owner)
    url = f"/api/v1/deployments/{deployment.pk}/"
    assert (
        client.patch(url, {"max_concurrency": 9}, content_type="application/json").status_code
        == 403
    )
    assert client.post(url + "pause/").json()["status"] == "paused"
    assert client.post(url + "resume/").json()["status"] == "active"


# --- Pages ---------------------------------------------------------------------------------


def test_the_operator_edits_a_deployment_on_its_page(
    aarhus, office, operator, site_client, make_deployment
):
    deployment = make_deployment(aarhus)
    client = site_client(office, operator)
    listing = client.get("/deployments/").content.decode()
    assert f'href="/deployments/{deployment.pk}/"' in listing
    page = client.get(f"/deployments/{deployment.pk}/")
    assert page.status_code == 200 and 'data-testid="deployment-form"' in page.content.decode()
    data = {
        "schedule": "0 7 * * 1-5",
        "skip_holidays": "on",
        "priority": 5,
        "pool": "windows",
        "required_labels": "sap-gui, python",
        "max_concurrency": 2,
        "timeout_minutes": 30,
        "max_attempts": 2,
        "queue_trigger_min_items": "",
        "queue_trigger_max_jobs": 1,
        "queue_trigger_items_per_job": "",
    }
    response = client.post(f"/deployments/{deployment.pk}/", data)
    assert response.status_code == 302
    deployment.refresh_from_db()
    assert deployment.pool == "windows" and deployment.required_labels == ["sap-gui", "python"]

    refused = client.post(
        f"/deployments/{deployment.pk}/",
        data | {"schedule": "hver dag", "priority": 9},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    assert "is not a valid cron expression" in refused.content.decode()
    deployment.refresh_from_db()
    assert (deployment.schedule, deployment.priority) == ("0 7 * * 1-5", 5)


def test_the_process_owner_pauses_and_resumes_on_the_page_but_does_not_edit(
    aarhus, process_owner, site_client, make_deployment
):
    deployment = make_deployment(aarhus)
    client = site_client(aarhus, process_owner)
    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert 'data-action="pause"' in page and 'data-testid="deployment-form"' not in page
    client.post(f"/deployments/{deployment.pk}/pause/")
    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.PAUSED
    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert 'data-action="resume"' in page and f'data-run="{deployment.pk}"' not in page
    client.post(f"/deployments/{deployment.pk}/run/")
    assert not Job.objects.exists()
    client.post(f"/deployments/{deployment.pk}/resume/")
    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.ACTIVE
    assert client.post(f"/deployments/{deployment.pk}/", {"priority": 9}).status_code == 403


def test_staff_and_other_members_cannot_pause(
    aarhus, odense, staff, make_user, site_client, make_deployment
):
    deployment = make_deployment(aarhus)
    assert site_client(aarhus, staff).post(f"/deployments/{deployment.pk}/pause/").status_code == (
        403
    )
    other = site_client(odense, make_user("po@odense.dk", odense, Role.PROCESS_OWNER))
    assert other.post(f"/deployments/{deployment.pk}/pause/").status_code == 404
    assert other.get(f"/deployments/{deployment.pk}/").status_code == 404
    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.ACTIVE


# --- Per-member concurrency ----------------------------------------------------------------


def test_the_office_sets_a_members_job_limit_on_the_page_and_over_the_api(
    aarhus, office, operator, site_client
):
    client = site_client(office, operator)
    page = client.get("/organisations/aarhus/").content.decode()
    assert 'data-testid="job-limit"' in page
    client.post("/organisations/aarhus/job-limit/", {"max_concurrent_jobs": 7})
    aarhus.refresh_from_db()
    assert aarhus.max_concurrent_jobs == 7
    response = api(office, operator).patch(
        "/api/v1/organisations/aarhus/job-limit/",
        {"max_concurrent_jobs": 2},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["max_concurrent_jobs"] == 2
    refused = api(office, operator).patch(
        "/api/v1/organisations/aarhus/job-limit/",
        {"max_concurrent_jobs": 0},
        content_type="application/json",
    )
    assert refused.status_code == 400
    aarhus.refresh_from_db()
    assert aarhus.max_concurrent_jobs == 2
    changes = AuditEvent.objects.filter(action="tenants.organisation.job_limit_changed")
    assert [e.changes["max_concurrent_jobs"] for e in changes.order_by("pk")] == [[4, 7], [7, 2]]


def test_members_cannot_change_their_job_limit(aarhus, make_user):
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    response = api(aarhus, admin).patch(
        "/api/v1/organisations/aarhus/job-limit/",
        {"max_concurrent_jobs": 50},
        content_type="application/json",
    )
    assert response.status_code == 403
