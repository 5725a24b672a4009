"""The office's fleet and run pages, and the member's view of its own runs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from robots.models import Job, Runner
from robots.runlogs.models import JobLogLine
from robots.services import jobs
from tenants.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(office, operator, site_client):
    return site_client(office, operator)


@pytest.fixture
def owner_client(aarhus, process_owner, site_client):
    return site_client(aarhus, process_owner)


def test_registering_a_runner_shows_its_token_once(operator_client):
    data = {
        "name": "vm-1",
        "pool": "default",
        "labels": "python, robotframework",
        "operating_system": "linux",
        "max_concurrency": 2,
    }
    page = operator_client.post("/runners/", data)
    token = page.context["token"]
    runner = Runner.objects.get()
    assert token.startswith("rkr_") and runner.labels == ["python", "robotframework"]
    assert token not in operator_client.get("/runners/").content.decode()
    assert runner.token_hash != token


def test_members_have_no_fleet_page(aarhus, owner_client):
    assert owner_client.get("/runners/").status_code == 404


def test_staff_without_operations_rights_cannot_register_runners(office, make_user, site_client):
    finance = site_client(office, make_user("fin@robotkontor.dk", office, Role.FINANCE))
    assert finance.post("/runners/", {"name": "x"}).status_code == 403
    assert not Runner.objects.exists()


def test_the_process_owner_runs_a_deployment_now_and_follows_its_log(
    aarhus, owner_client, make_deployment, make_runner
):
    deployment = make_deployment(aarhus)
    response = owner_client.post(f"/deployments/{deployment.pk}/run/")
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert job.trigger == Job.Trigger.MANUAL and job.status == Job.Status.QUEUED
    runner, _token = make_runner()
    jobs.claim(runner)
    with schema_context(aarhus.schema_name):
        JobLogLine.objects.create(job=job, number=1, text="Henter lejetilbud")
    page = owner_client.get(f"/jobs/{job.pk}/")
    assert "Henter lejetilbud" in page.content.decode()
    assert 'data-testid="log-poll"' in page.content.decode()  # still running: keeps polling
    with schema_context(aarhus.schema_name):
        JobLogLine.objects.create(job=job, number=2, text="Registreret 12 svar")
    more = owner_client.get(f"/jobs/{job.pk}/log/?after=1").content.decode()
    assert "Registreret 12 svar" in more and "Henter lejetilbud" not in more


def test_staff_cannot_start_runs(aarhus, staff, site_client, make_deployment):
    deployment = make_deployment(aarhus)
    site_client(aarhus, staff).post(f"/deployments/{deployment.pk}/run/")
    assert not Job.objects.exists()


def test_another_member_sees_neither_the_run_nor_its_log(
    aarhus, odense, make_user, site_client, make_deployment
):
    job = jobs.enqueue(deployment=make_deployment(aarhus), trigger=Job.Trigger.MANUAL)
    client = site_client(odense, make_user("admin@odense.dk", odense, Role.MEMBER_ADMIN))
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/log/").status_code == 404
    assert list(client.get("/jobs/").context["jobs"]) == []
    deployment_id = job.deployment_id
    assert client.post(f"/deployments/{deployment_id}/run/").status_code == 404
    assert Job.objects.count() == 1


def test_the_office_stops_a_running_job(
    office, aarhus, operator_client, make_deployment, make_runner
):
    job = jobs.enqueue(deployment=make_deployment(aarhus), trigger=Job.Trigger.MANUAL)
    runner, _ = make_runner()
    jobs.claim(runner)
    operator_client.post(f"/jobs/{job.pk}/stop/", {"kill": "1"})
    assert jobs.heartbeat(runner, job_ids=[job.pk]) == {job.pk: "kill"}


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/jobs/", "/runners/"])
def test_office_lists_keep_a_constant_query_count(
    url, aarhus, odense, operator_client, make_deployment, make_runner
):
    def grow():
        for member in (aarhus, odense):
            jobs.enqueue(deployment=make_deployment(member), trigger=Job.Trigger.MANUAL)
        make_runner()

    grow()
    operator_client.get(url)
    few = _queries(operator_client, url)
    for _ in range(4):
        grow()
    assert _queries(operator_client, url) == few
