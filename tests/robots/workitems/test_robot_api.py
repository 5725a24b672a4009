"""The work-item API a running job's robot calls with its job token, natively and as
Robocorp Control Room; and what the claim hands the runner for it."""

import os
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from robots.credentials import redaction
from robots.credentials import services as credentials
from robots.models import Job
from robots.runlogs.models import JobLogLine
from robots.services import jobs
from robots.workitems import services
from robots.workitems.models import WorkItem, WorkItemFile, WorkQueue
from robots.workitems.robot_api import RobotItemSerializer
from tenants.services import site_host

pytestmark = pytest.mark.django_db
Status = WorkItem.Status
PASSWORD = "Meget-Hemmeligt-Kodeord-7"


def job_client(office, token) -> Client:
    return Client(
        HTTP_HOST=site_host(office), HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en"
    )


@pytest.fixture
def deployment(aarhus, make_deployment):
    return make_deployment(aarhus)


@pytest.fixture
def runner(make_runner):
    return make_runner()[0]


@pytest.fixture
def running(deployment, runner):
    """A claimed job and its one-time token."""
    jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    claimed = jobs.claim(runner)
    return claimed.job, claimed.token


@pytest.fixture
def queue(aarhus, deployment):
    with schema_context(aarhus.schema_name):
        return services.create_queue(
            name="Lejetilbud", deployment=deployment, max_retries=2, retry_delay_seconds=0
        )


def add(organisation, queue, **fields) -> WorkItem:
    with schema_context(organisation.schema_name):
        return services.add_item(queue, **fields)


def item_in(organisation, item) -> WorkItem:
    with schema_context(organisation.schema_name):
        return WorkItem.objects.get(pk=item.pk)


def test_a_missing_wrong_or_spent_job_token_is_refused(office, running, runner, queue):
    job, token = running
    anonymous = Client(HTTP_HOST=site_host(office), HTTP_ACCEPT_LANGUAGE="en")
    response = anonymous.get("/api/v1/robot/work-queues/")
    assert response.status_code == 401
    assert "Authorization: Bearer <job token>" in response.json()["error"]["message"]
    response = job_client(office, "not-the-token").get("/api/v1/robot/work-queues/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == (
        "Unknown job token, or the job is no longer running."
    )
    assert job_client(office, token).get("/api/v1/robot/work-queues/").json() == [
        {"id": queue.pk, "name": "Lejetilbud", "description": ""}
    ]
    jobs.complete(runner, job.pk, succeeded=True)
    assert job_client(office, token).get("/api/v1/robot/work-queues/").status_code == 401


def test_the_api_lives_only_on_the_office_host(aarhus, running, queue):
    _job, token = running
    client = Client(HTTP_HOST=site_host(aarhus), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/robot/work-queues/").status_code == 404


def test_a_job_touches_only_its_own_deployments_queues(
    office, aarhus, odense, running, queue, make_deployment
):
    _job, token = running
    client = job_client(office, token)
    other_deployment = make_deployment(aarhus, name="Andet")
    with schema_context(aarhus.schema_name):
        others = services.create_queue(name="Andet", deployment=other_deployment)
    their_item = add(aarhus, others, reference="X")
    with schema_context(aarhus.schema_name):
        aarhus_ids = set(WorkQueue.objects.values_list("pk", flat=True))
    # Each schema numbers its queues itself: take an Odense queue whose id is not also one of
    # Aarhus's (the job's own queue would answer), whatever the sequences stand at.
    with schema_context(odense.schema_name):
        odense_deployment = make_deployment(odense)
        theirs = services.create_queue(name="Odense", deployment=odense_deployment)
        while theirs.pk in aarhus_ids:
            theirs = services.create_queue(name=f"Odense {theirs.pk}", deployment=odense_deployment)
    for other in (others, theirs):
        assert client.post(f"/api/v1/robot/work-queues/{other.pk}/reserve/").status_code == 404
    response = client.post(
        f"/api/v1/robot/work-items/{their_item.pk}/release/",
        {"outcome": "done"},
        "application/json",
    )
    assert response.status_code == 404
    assert item_in(aarhus, their_item).status == Status.NEW


def test_reserve_and_release_move_items_through_their_states(office, aarhus, running, queue):
    _job, token = running
    client = job_client(office, token)
    reserve = f"/api/v1/robot/work-queues/{queue.pk}/reserve/"
    done = add(aarhus, queue, reference="ok", priority=3)
    business = add(aarhus, queue, reference="business", priority=2)
    flaky = add(aarhus, queue, reference="flaky", priority=1)

    def release(item, outcome, message=""):
        body = {"outcome": outcome, "message": message}
        url = f"/api/v1/robot/work-items/{item.pk}/release/"
        return client.post(url, body, "application/json")

    reserved = client.post(reserve).json()
    assert (reserved["id"], reserved["status"], reserved["attempts"]) == (done.pk, "in_progress", 1)
    assert release(done, "done").json()["status"] == "done"
    assert client.post(reserve).json()["id"] == business.pk
    answer = release(business, "business_exception", "CPR mangler").json()
    assert (answer["status"], answer["reason"]) == ("business_exception", "CPR mangler")
    assert item_in(aarhus, business).handed_back  # waits for manual handling
    assert client.post(reserve).json()["id"] == flaky.pk
    assert release(flaky, "application_exception", "timeout").json()["status"] == "new"
    assert client.post(reserve).json()["attempts"] == 2  # tried again
    assert release(flaky, "application_exception", "timeout").json()["status"] == (
        "application_exception"  # its queue allows two attempts
    )
    assert client.post(reserve).status_code == 204
    response = release(done, "nonsense")
    assert response.status_code == 400


# --- Robocorp Control Room ------------------------------------------------------------------


def robocorp_urls(job: Job) -> tuple[str, str, str]:
    process = (
        f"/api/v1/robocorp/process-v1/workspaces/{job.organisation.slug}/processes/"
        f"{job.deployment_id}/"
    )
    run = f"{process}runs/{job.pk}/robotRuns/{job.pk}/"
    items = f"/api/v1/robocorp/json-v1/workspaces/{job.organisation.slug}/workitems/"
    return process, run, items


def test_robocorp_reserve_and_release_map_onto_our_outcomes(office, aarhus, running, queue):
    job, token = running
    client = job_client(office, token)
    _process, run, items = robocorp_urls(job)
    first = add(aarhus, queue, reference="a", payload={"cpr": "010203-1234"}, priority=3)
    second = add(aarhus, queue, reference="b", priority=2)
    third = add(aarhus, queue, reference="c", priority=1)

    def reserve():
        return client.post(run + "reserve-next-work-item").json()["workItemId"]

    def release(item_id, body):
        return client.post(
            run + "release-work-item", {"workItemId": item_id} | body, "application/json"
        )

    assert reserve() == str(first.pk)
    assert client.get(f"{items}{first.pk}/data").json() == {"cpr": "010203-1234"}
    assert release(str(first.pk), {"state": "COMPLETED"}).status_code == 200
    assert reserve() == str(second.pk)
    business = {"type": "BUSINESS", "code": "NO_CPR", "message": "CPR mangler"}
    release(str(second.pk), {"state": "FAILED", "exception": business})
    assert reserve() == str(third.pk)
    application = {"type": "APPLICATION", "message": "EG Bolig svarer ikke"}
    release(str(third.pk), {"state": "FAILED", "exception": application})
    assert reserve() == str(third.pk)  # an application error is tried again

    second = item_in(aarhus, second)
    assert (second.status, second.reason) == (Status.BUSINESS_EXCEPTION, "NO_CPR: CPR mangler")
    assert item_in(aarhus, first).status == Status.DONE
    assert item_in(aarhus, third).attempts == 2
    release(str(third.pk), {"state": "COMPLETED"})
    assert reserve() is None  # the library's empty queue


def test_a_business_exception_with_a_very_long_message_is_kept_shortened(
    office, aarhus, running, queue
):
    job, token = running
    client = job_client(office, token)
    _process, run, _items = robocorp_urls(job)
    item = add(aarhus, queue, reference="lang")
    assert client.post(run + "reserve-next-work-item").json()["workItemId"] == str(item.pk)
    message = "Sagen kunne ikke behandles: " + "x" * 9_000
    business = {"type": "BUSINESS", "code": "FOR_LANG", "message": message}
    response = client.post(
        run + "release-work-item",
        {"workItemId": str(item.pk), "state": "FAILED", "exception": business},
        "application/json",
    )
    assert response.status_code == 200, response.json()
    item = item_in(aarhus, item)
    assert item.status == Status.BUSINESS_EXCEPTION
    assert len(item.reason) == 4000
    assert item.reason.startswith("FOR_LANG: Sagen kunne ikke behandles: xxx")
    assert item.reason.endswith("(shortened: the robot's message was 9038 characters)")


def test_robocorp_paths_must_name_the_jobs_own_workspace_process_and_run(office, running, queue):
    job, token = running
    client = job_client(office, token)
    _process, run, _items = robocorp_urls(job)
    assert client.post(run + "reserve-next-work-item").status_code == 200
    for wrong in (
        run.replace(f"workspaces/{job.organisation.slug}/", "workspaces/odense/"),
        run.replace(f"processes/{job.deployment_id}/", f"processes/{job.deployment_id + 1}/"),
        run.replace(f"runs/{job.pk}/", f"runs/{job.pk + 1}/"),
    ):
        assert client.post(wrong + "reserve-next-work-item").status_code == 404


def test_robocorp_payloads_outputs_and_files(office, aarhus, running, queue, settings):
    job, token = running
    client = job_client(office, token)
    process, run, items = robocorp_urls(job)
    item = add(aarhus, queue, reference="a", payload={"sag": 1})
    client.post(run + "reserve-next-work-item")

    response = client.put(f"{items}{item.pk}/data", {"sag": 1, "svar": "ja"}, "application/json")
    assert response.status_code == 200
    assert item_in(aarhus, item).payload == {"sag": 1, "svar": "ja"}
    output_id = client.post(
        f"{process}work-items/{item.pk}/output", {"payload": {"brev": "sendt"}}, "application/json"
    ).json()["id"]
    assert client.get(f"{items}{output_id}/data").json() == {"brev": "sendt"}

    # Files go as in Control Room: announce, then upload to the signed URL without a token.
    announced = client.post(
        f"{items}{output_id}/files", {"fileName": "brev.txt", "fileSize": 5}, "application/json"
    ).json()
    plain = Client(HTTP_HOST=site_host(office))
    response = plain.post(
        announced["url"], {**announced["fields"], "file": SimpleUploadedFile("brev.txt", b"Hej!\n")}
    )
    assert response.status_code == 204
    listing = client.get(f"{items}{output_id}/files").json()
    assert [(entry["fileName"], entry["size"]) for entry in listing] == [("brev.txt", 5)]
    file_id = listing[0]["fileId"]
    download = client.get(f"{items}{output_id}/files/{file_id}").json()["url"]
    assert b"".join(plain.get(download).streaming_content) == b"Hej!\n"
    with schema_context(aarhus.schema_name):
        stored = WorkItemFile.objects.get(pk=file_id)
        assert stored.file.name.startswith(f"workitems/{aarhus.schema_name}/")
    assert client.delete(f"{items}{output_id}/files/{file_id}").status_code == 204
    assert client.get(f"{items}{output_id}/files").json() == []
    assert plain.get(download).status_code == 404

    settings.WORK_ITEM_FILE_MAX_BYTES = 1024
    response = client.post(
        f"{items}{item.pk}/files", {"fileName": "stor.pdf", "fileSize": 4096}, "application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "The file is 4.0\xa0KB; a work item's file may be at most 1.0\xa0KB."
    )
    assert plain.post(download.replace("download", "upload")).status_code == 400
    assert plain.get(download + "x").status_code == 403  # a tampered signature


# --- The claim hands out credentials and RC_* variables; logs are masked on the server -----


def test_the_claim_carries_credentials_and_robocorp_variables_and_logs_are_masked(
    office, aarhus, deployment, make_runner
):
    with schema_context(aarhus.schema_name):
        credentials.create_credential(
            organisation=aarhus,
            actor=deployment.process_owner,
            name="EG Bolig",
            kind="username_password",
            username="robot01",
            password=PASSWORD,
            allowed_deployments=[deployment],
        )
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    _runner, runner_token = make_runner()
    runner = Client(HTTP_HOST=site_host(office), HTTP_AUTHORIZATION=f"Runner {runner_token}")
    spec = runner.post("/api/v1/runner/claim/").json()
    assert spec["credentials"] == {
        "RK_CRED_EG_BOLIG_USERNAME": "robot01",
        "RK_CRED_EG_BOLIG_PASSWORD": PASSWORD,
    }
    assert spec["work_items_url"] == f"http://{site_host(office)}/api/v1/robot/"
    assert spec["robocorp"] | {"RC_API_WORKITEM_TOKEN": "…", "RC_API_PROCESS_TOKEN": "…"} == {
        "RC_API_WORKITEM_HOST": f"http://{site_host(office)}/api/v1/robocorp",
        "RC_API_WORKITEM_TOKEN": "…",
        "RC_API_PROCESS_HOST": f"http://{site_host(office)}/api/v1/robocorp",
        "RC_API_PROCESS_TOKEN": "…",
        "RC_WORKSPACE_ID": "aarhus",
        "RC_PROCESS_ID": str(deployment.pk),
        "RC_PROCESS_RUN_ID": str(job.pk),
        "RC_ACTIVITY_RUN_ID": str(job.pk),
        "RC_ROBOT_RUN_ID": str(job.pk),
        "RC_WORKITEM_ID": "",
    }
    assert spec["robocorp"]["RC_API_WORKITEM_TOKEN"] == spec["token"]

    redaction.forget_all_secrets()  # as in another server process than the claim's
    lines = {"lines": [{"number": 1, "text": f"logger ind med {PASSWORD}"}]}
    runner.post(f"/api/v1/runner/jobs/{job.pk}/logs/", lines, "application/json")
    with schema_context(aarhus.schema_name):
        assert JobLogLine.objects.get(job_id=job.pk).text == "logger ind med ***"
    redaction.forget_all_secrets()


def test_a_job_whose_credentials_expired_fails_at_claim(office, aarhus, deployment, make_runner):
    with schema_context(aarhus.schema_name):
        credentials.create_credential(
            organisation=aarhus,
            actor=deployment.process_owner,
            name="Gammel",
            kind="api_key",
            api_key="udløbet-nøgle-123",
            expires_on=date(2020, 1, 1),
            allowed_deployments=[deployment],
        )
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    _runner, runner_token = make_runner()
    runner = Client(
        HTTP_HOST=site_host(office),
        HTTP_AUTHORIZATION=f"Runner {runner_token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert runner.post("/api/v1/runner/claim/").status_code == 204
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "Expired credentials" in job.message
    redaction.forget_all_secrets()


def test_retention_erases_outputs_and_files_with_the_payload(
    aarhus, queue, django_capture_on_commit_callbacks
):
    with schema_context(aarhus.schema_name):
        queue = services.update_queue(queue, retention_days=1)
        item = services.add_item(queue, reference="a", payload={"cpr": "010203-1234"})
        services.reserve_next(queue)
        output = services.create_output(item, {"cpr": "010203-1234"})
        attached = services.attach_file(output, name="brev.txt", content=b"Hej")
        services.attach_file(item, name="bilag.txt", content=b"Bilag")
        services.release(item, outcome=Status.DONE)
        path = attached.file.path
        with django_capture_on_commit_callbacks(execute=True):
            assert services.apply_retention(now=timezone.now() + timedelta(days=2)) == 1
        output.refresh_from_db()
        assert output.payload == {} and not WorkItemFile.objects.exists()
    assert not os.path.exists(path)


def test_only_the_run_that_reserved_an_item_releases_it_and_its_message_is_masked(
    office, aarhus, deployment, queue, make_runner
):
    with schema_context(aarhus.schema_name):
        credentials.create_credential(
            organisation=aarhus,
            actor=deployment.process_owner,
            name="EG Bolig",
            kind="username_password",
            username="robot01",
            password=PASSWORD,
            allowed_deployments=[deployment],
        )
    item = add(aarhus, queue, reference="sag-1")
    deployment.max_concurrency = 2  # two runs of the robot at once
    deployment.save()
    runner = make_runner()[0]
    jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    first_token = jobs.claim(runner).token
    jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    second_token = jobs.claim(runner).token
    release = f"/api/v1/robot/work-items/{item.pk}/release/"
    timeout = {"outcome": "application_exception", "message": "EG Bolig svarer ikke"}

    # The first run fails the item; the second run takes the retry.
    reserve = f"/api/v1/robot/work-queues/{queue.pk}/reserve/"
    assert job_client(office, first_token).post(reserve).json()["id"] == item.pk
    answer = job_client(office, first_token).post(release, timeout, "application/json").json()
    assert answer["status"] == "new"
    assert job_client(office, second_token).post(reserve).json()["attempts"] == 2
    # A late replay of the first run's release is refused and changes nothing.
    response = job_client(office, first_token).post(release, timeout, "application/json")
    assert response.status_code == 400
    assert "Another run has reserved this item" in str(response.json()["error"])
    assert item_in(aarhus, item).status == Status.IN_PROGRESS
    # The robot's reason is stored with the job's credentials masked.
    redaction.forget_all_secrets()
    body = {"outcome": "business_exception", "message": f"Login med {PASSWORD} afvist"}
    answer = job_client(office, second_token).post(release, body, "application/json").json()
    assert answer["reason"] == "Login med *** afvist"
    assert item_in(aarhus, item).reason == "Login med *** afvist"
    redaction.forget_all_secrets()


def test_a_reserve_and_a_release_each_take_one_statement(office, aarhus, running, queue):
    """The calls a robot makes for every item: after its first call, the job is known and
    the reserve or the release, with the item's history, is one statement that also checks
    the job still runs with the token; the answer is the documented item."""
    _job, token = running
    client = job_client(office, token)
    reserve = f"/api/v1/robot/work-queues/{queue.pk}/reserve/"
    first, second = add(aarhus, queue, reference="A"), add(aarhus, queue, reference="B")
    client.post(reserve)  # the site and the job are looked up once
    done = {"outcome": "done"}
    client.post(f"/api/v1/robot/work-items/{first.pk}/release/", done, "application/json")
    with CaptureQueriesContext(connection) as reserving:
        reserved = client.post(reserve).json()
    with CaptureQueriesContext(connection) as releasing:
        released = client.post(
            f"/api/v1/robot/work-items/{second.pk}/release/",
            {"outcome": "done", "output": {"sag": "12-3"}},
            "application/json",
        ).json()
    assert (len(reserving), len(releasing)) == (1, 1)
    assert (reserved["id"], reserved["status"]) == (second.pk, "in_progress")
    with schema_context(aarhus.schema_name):
        item = WorkItem.objects.get(pk=second.pk)
        assert released == RobotItemSerializer(item).data
        assert (item.status, item.output) == (Status.DONE, {"sag": "12-3"})
        item.status, item.outcome, item.output = Status.IN_PROGRESS, "", None
        assert reserved == RobotItemSerializer(item).data


@pytest.mark.parametrize("end", ["complete", "fail_over"])
def test_a_known_job_that_ended_reserves_and_releases_nothing(
    office, aarhus, running, runner, queue, end
):
    job, token = running
    client = job_client(office, token)
    reserve = f"/api/v1/robot/work-queues/{queue.pk}/reserve/"
    held, waiting = add(aarhus, queue, reference="A"), add(aarhus, queue, reference="B")
    assert client.post(reserve).json()["id"] == held.pk  # the job is known from now on
    if end == "complete":
        jobs.complete(runner, job.pk, succeeded=True)
    else:  # the lease ran out and the job was requeued: a new token is handed out with it
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, token_hash="")
    response = client.post(reserve)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == (
        "Unknown job token, or the job is no longer running."
    )
    release = f"/api/v1/robot/work-items/{held.pk}/release/"
    for outcome in ("done", "application_exception"):
        response = client.post(release, {"outcome": outcome}, "application/json")
        assert response.status_code == 401
    assert item_in(aarhus, waiting).status == Status.NEW
    assert item_in(aarhus, held).outcome == ""
