"""The runner protocol from the outside: tokens, claim, heartbeat, logs, completion."""

import pytest
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from robots.models import Job, Runner
from robots.runlogs.models import JobLogLine
from robots.services import jobs, runners
from tenants.services import site_host

pytestmark = pytest.mark.django_db
CLAIM = "/api/v1/runner/claim/"
HEARTBEAT = "/api/v1/runner/heartbeat/"


def runner_client(office, token):
    return Client(HTTP_HOST=site_host(office), HTTP_AUTHORIZATION=f"Runner {token}")


@pytest.fixture
def deployment(aarhus, make_deployment):
    return make_deployment(aarhus)


def test_claim_hands_out_the_job_with_its_package_and_a_token(office, deployment, make_runner):
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    _runner, token = make_runner()
    client = runner_client(office, token)
    response = client.post(CLAIM)
    assert response.status_code == 200
    spec = response.json()
    assert spec["id"] == job.pk and spec["organisation"] == "aarhus"
    assert spec["package"]["git_commit"] == deployment.robot_version.git_commit
    assert spec["parameters"] == deployment.parameters
    assert spec["token"] and spec["timeout_seconds"] == 3600
    assert client.post(CLAIM).status_code == 204  # one job, one claim


def test_wrong_revoked_and_rotated_tokens_are_refused(office, make_runner, operator):
    runner, token = make_runner()
    assert runner_client(office, "rkr_wrong").post(CLAIM).status_code == 401
    new_token = runners.rotate_token(runner=runner, actor=operator)
    assert runner_client(office, token).post(CLAIM).status_code == 401
    assert runner_client(office, new_token).post(CLAIM).status_code == 204
    runners.revoke_runner(runner=runner, actor=operator)
    assert runner_client(office, new_token).post(CLAIM).status_code == 401
    runner.refresh_from_db()
    assert token not in runner.token_hash and runner.token_prefix == new_token[:12]


def test_the_runner_api_exists_only_on_the_office_host(aarhus, make_runner):
    _runner, token = make_runner()
    client = Client(HTTP_HOST=site_host(aarhus), HTTP_AUTHORIZATION=f"Runner {token}")
    assert client.post(CLAIM).status_code == 404


def test_a_user_token_is_not_a_runner_token(office, aarhus, make_user, site_client):
    staff = site_client(office, make_user("drift2@robotkontor.dk", office, "office_operator"))
    assert staff.post(CLAIM).status_code in (401, 403)


def test_logs_go_to_the_members_schema_once_and_completion_is_idempotent(
    office, aarhus, deployment, make_runner
):
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    _runner, token = make_runner()
    client = runner_client(office, token)
    client.post(CLAIM)
    lines = {"lines": [{"number": 1, "text": "Starter"}, {"number": 2, "text": "Færdig"}]}
    for _ in range(2):  # a retried request
        response = client.post(f"/api/v1/runner/jobs/{job.pk}/logs/", lines, "application/json")
        assert response.status_code == 202
    with schema_context(aarhus.schema_name):
        assert list(JobLogLine.objects.filter(job_id=job.pk).values_list("text", flat=True)) == [
            "Starter",
            "Færdig",
        ]
    answer = client.post(HEARTBEAT, {"jobs": [job.pk]}, "application/json").json()
    assert answer == {"jobs": {str(job.pk): "continue"}}
    done = {"succeeded": True, "exit_code": 0, "message": "ok"}
    url = f"/api/v1/runner/jobs/{job.pk}/complete/"
    first = client.post(url, done, "application/json")
    second = client.post(url, done | {"succeeded": False}, "application/json")
    assert first.json() == second.json() == {"id": job.pk, "status": "succeeded"}


def test_another_runners_job_is_not_found_and_an_expired_one_conflicts(
    office, deployment, make_runner
):
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    _first, first_token = make_runner()
    _second, second_token = make_runner()
    first = runner_client(office, first_token)
    second = runner_client(office, second_token)
    first.post(CLAIM)
    url = f"/api/v1/runner/jobs/{job.pk}/complete/"
    assert second.post(url, {"succeeded": True}, "application/json").status_code == 404
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, lease_expires_at=None)
    response = first.post(url, {"succeeded": True}, "application/json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_oversized_log_batches_are_refused(office, deployment, make_runner):
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    _runner, token = make_runner()
    client = runner_client(office, token)
    client.post(CLAIM)
    lines = {"lines": [{"number": n, "text": "x"} for n in range(1001)]}
    response = client.post(f"/api/v1/runner/jobs/{job.pk}/logs/", lines, "application/json")
    assert response.status_code == 400


def test_register_runner_command_writes_a_working_token_and_renews_it(office, tmp_path):
    """What `make run` does at every start: the first time registers the local runner, later
    starts give it a new token (the old one stops working)."""
    token_file = tmp_path / "runner-token"
    call_command("register_runner", "lokal-runner", "--token-file", str(token_file))
    first = token_file.read_text()
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    runner = Runner.objects.get(name="lokal-runner")
    assert runner.registered_by is None and runner.labels == ["python"]
    call_command("register_runner", "lokal-runner", "--token-file", str(token_file))
    second = token_file.read_text()
    assert second != first and Runner.objects.filter(name="lokal-runner").count() == 1
    assert runner_client(office, first).post(CLAIM).status_code == 401
    assert runner_client(office, second).post(CLAIM).status_code == 204


def test_the_runner_api_speaks_json_whatever_the_runner_asks_for(office, deployment, make_runner):
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    _runner, token = make_runner()
    client = runner_client(office, token)
    claimed = client.post(CLAIM, HTTP_ACCEPT="text/html")
    assert claimed.status_code == 200 and claimed["Content-Type"] == "application/json"
    assert claimed.json()["id"] == job.pk
    # A body that is not JSON is refused with the reason, and the job goes on running.
    url = f"/api/v1/runner/jobs/{job.pk}/complete/"
    refused = client.post(url, {"succeeded": "true"})  # a form, not JSON
    assert refused.status_code == 400 and "JSON" in refused.json()["error"]["message"]
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING
