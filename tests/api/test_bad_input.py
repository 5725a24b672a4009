"""Careless and hostile input to the API: a clear 4xx in the API's error body, never a 500
(issue 14, items 7 and 8; issue 15, "Bad input")."""

import json

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from intake.selectors import current_weights
from robots.agent import LOG_BATCH_CHARACTERS, LOG_LINE_LENGTH
from robots.models import Job
from robots.runlogs.models import JobLogLine
from robots.services import jobs
from robots.workitems import services as workitems
from robots.workitems.models import WorkItem
from tenants import services as tenant_services
from tenants.models import Role
from tests.conftest import host_of

pytestmark = pytest.mark.django_db


def token_client(organisation, user) -> Client:
    _token, key = tenant_services.issue_api_token(user=user, organisation=organisation, name="t")
    return Client(
        HTTP_HOST=host_of(organisation),
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_ACCEPT_LANGUAGE="en",
        raise_request_exception=False,
    )


def post(client, url, body, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data, "application/json", **extra)


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    return response.json()["error"]


@pytest.fixture
def member_admin(aarhus, make_user):
    return make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)


@pytest.fixture
def member_api(aarhus, member_admin):
    return token_client(aarhus, member_admin)


@pytest.fixture
def office_api(office, office_admin):
    return token_client(office, office_admin)


@pytest.fixture
def queue(aarhus):
    with schema_context(aarhus.schema_name):
        return workitems.create_queue(name="Lejetilbud")


def nested(depth: int):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


# --- the body -------------------------------------------------------------------------------


def test_deeply_nested_json_is_refused_with_a_clear_400(member_api, queue):
    url = f"/api/v1/work-queues/{queue.pk}/items/"
    for depth in (65, 100_000):
        body = "[" * depth + "]" * depth
        response = post(member_api, url, {"payload": {}} if depth < 0 else body)
        assert response.status_code == 400
        assert "nested" in error_of(response)["message"]
    fine = post(member_api, url, {"reference": "A", "payload": {"a": nested(20)}})
    assert fine.status_code == 201, fine.content


def test_a_nul_character_in_json_is_refused_with_a_clear_400(member_api, queue):
    url = f"/api/v1/work-queues/{queue.pk}/items/"
    for body in ({"reference": "A\u0000", "payload": {}}, {"payload": {"name\u0000": "x"}}):
        response = post(member_api, url, body)
        assert response.status_code == 400
        assert "NUL" in error_of(response)["message"]


def test_a_nul_character_in_the_query_string_or_a_form_is_refused(member_api, queue):
    response = member_api.get(f"/api/v1/work-queues/{queue.pk}/items/?status=new%00")
    assert response.status_code == 400 and "NUL" in error_of(response)["message"]
    response = member_api.get("/api/v1/ideas/?status=%00")
    assert response.status_code == 400
    form = member_api.post(f"/api/v1/work-queues/{queue.pk}/items/", {"reference": "A\x00"})
    assert form.status_code == 400 and "NUL" in error_of(form)["message"]


def test_a_body_over_the_limit_gets_the_api_s_json_413(member_api, queue, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    url = f"/api/v1/work-queues/{queue.pk}/items/"
    response = post(member_api, url, {"reference": "A", "payload": {"text": "x" * 2000}})
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_an_integer_beyond_the_database_s_range_is_a_400(member_api, queue):
    url = f"/api/v1/work-queues/{queue.pk}/items/"
    response = post(member_api, url, {"reference": "A", "payload": {}, "priority": 2**40})
    assert response.status_code == 400
    assert "priority" in error_of(response)["fields"]


# --- the path -------------------------------------------------------------------------------


def test_a_non_numeric_id_is_a_404(member_api):
    for url in ("/api/v1/ideas/abc/", "/api/v1/ideas/abc/join/", "/api/v1/ideas/abc/comments/"):
        response = member_api.get(url) if "join" not in url else post(member_api, url, {})
        assert response.status_code == 404, url
        assert error_of(response)["code"] == "not_found"


def test_format_suffixed_actions_answer_as_without_the_suffix(office_api, member_api, queue):
    response = post(member_api, f"/api/v1/work-queues/{queue.pk}/items.json", {})
    assert response.status_code in (400, 404, 405)
    for client, url in (
        (office_api, "/api/v1/organisations.json"),
        (member_api, "/api/v1/ideas.json"),
        (member_api, "/api/v1/alerts/1/acknowledge.json"),
        (office_api, "/api/v1/deployments/1/run.json"),
    ):
        response = client.post(url, "{}", "application/json") if "." in url[-9:] else None
        assert response.status_code < 500, (url, response.content[:300])


def test_unknown_api_paths_answer_json_and_pages_answer_html(member_api, aarhus, member_admin):
    response = member_api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    page = Client(HTTP_HOST=host_of(aarhus))
    page.force_login(member_admin)
    response = page.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_host_no_organisation_answers_on_gets_json_under_the_api(aarhus):
    stranger = Client(HTTP_HOST="ingen.localhost")
    response = stranger.put("/api/v1/robocorp/json-v1/workspaces/w/workitems/1/data", "{}")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    response = stranger.get("/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


# --- who asks -------------------------------------------------------------------------------


def test_me_answers_a_browser_session(aarhus, member_admin):
    browser = Client(HTTP_HOST=host_of(aarhus), raise_request_exception=False)
    browser.force_login(member_admin)
    response = browser.get("/api/v1/me/")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["email"] == "admin@aarhus.dk"


def test_a_wrong_token_is_a_401_in_the_error_body(aarhus):
    client = Client(HTTP_HOST=host_of(aarhus), HTTP_AUTHORIZATION="Bearer rk_wrong")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_another_organisation_s_ids_are_not_found(odense, make_user, queue):
    odense_api = token_client(odense, make_user("admin@odense.dk", odense, Role.MEMBER_ADMIN))
    for url in (f"/api/v1/work-queues/{queue.pk}/", f"/api/v1/work-queues/{queue.pk}/items/"):
        response = odense_api.get(url)
        assert response.status_code == 404, url
        assert error_of(response)["code"] == "not_found"


# --- settings that once broke every ideas page ----------------------------------------------


def test_a_zero_full_volume_is_refused(office_api):
    response = office_api.patch(
        "/api/v1/scoring-weights/", {"full_volume_hours": 0}, "application/json"
    )
    assert response.status_code == 400
    assert "full_volume_hours" in error_of(response)["fields"]
    assert current_weights().full_volume_hours == 500


# --- the runner's and the robot's calls -----------------------------------------------------


@pytest.fixture
def running_job(office, aarhus, make_deployment, make_runner):
    """A claimed job, its runner's client and the claim."""
    job = jobs.enqueue(deployment=make_deployment(aarhus), trigger=Job.Trigger.MANUAL)
    _runner, token = make_runner()
    client = Client(
        HTTP_HOST=host_of(office),
        HTTP_AUTHORIZATION=f"Runner {token}",
        raise_request_exception=False,
    )
    claimed = client.post("/api/v1/runner/claim/").json()
    assert claimed["id"] == job.pk
    return job, client, claimed


@pytest.fixture
def ended_job(running_job):
    job, client, claimed = running_job
    done = {"succeeded": True, "exit_code": 0, "token": claimed["token"]}
    assert post(client, f"/api/v1/runner/jobs/{job.pk}/complete/", done).status_code == 200
    return job, client


def test_log_lines_for_an_ended_job_are_refused_with_409(ended_job):
    job, client = ended_job
    lines = {"lines": [{"number": 1, "text": "for sent"}]}
    response = post(client, f"/api/v1/runner/jobs/{job.pk}/logs/", lines)
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"


def test_the_runner_api_refuses_bad_json_in_its_error_body(running_job):
    job, client, _claimed = running_job
    for body in ("{", "[" * 1000 + "]" * 1000, '{"lines": [{"number": 1, "text": "a\\u0000"}]}'):
        response = post(client, f"/api/v1/runner/jobs/{job.pk}/logs/", body)
        assert response.status_code == 400, body[:20]
        assert error_of(response)["code"] == "parse_error"


def test_a_full_batch_of_long_log_lines_fits_under_the_limit(running_job, aarhus):
    job, client, _claimed = running_job
    # The agent's largest batch, with every character escaped ("\u00f8") as requests sends it.
    count = LOG_BATCH_CHARACTERS // LOG_LINE_LENGTH
    lines = [{"number": n, "text": "ø" * LOG_LINE_LENGTH} for n in range(1, count + 1)]
    response = post(client, f"/api/v1/runner/jobs/{job.pk}/logs/", {"lines": lines})
    assert response.status_code == 202, response.content[:300]
    with schema_context(aarhus.schema_name):
        assert JobLogLine.objects.filter(job_id=job.pk).count() == count


def test_a_robot_cannot_change_the_payload_of_a_finished_item(office, aarhus, running_job):
    job, _client, claimed = running_job
    with schema_context(aarhus.schema_name):
        queue = workitems.create_queue(name="Robottens kø", deployment=job.deployment)
        item = workitems.add_item(queue, reference="A", payload={"a": 1})
    robot = Client(
        HTTP_HOST=host_of(office),
        HTTP_AUTHORIZATION=f"Bearer {claimed['token']}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    data = f"/api/v1/robocorp/json-v1/workspaces/aarhus/workitems/{item.pk}/data"
    run = (
        f"/api/v1/robocorp/process-v1/workspaces/aarhus/processes/{job.deployment_id}"
        f"/runs/{job.pk}/robotRuns/{job.pk}/"
    )
    assert robot.post(run + "reserve-next-work-item").json()["workItemId"] == str(item.pk)
    assert robot.put(data, {"a": 2}, "application/json").status_code == 200
    released = post(
        robot, run + "release-work-item", {"workItemId": str(item.pk), "state": "COMPLETED"}
    )
    assert released.status_code == 200
    response = robot.put(data, {"a": 3}, "application/json")
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    with schema_context(aarhus.schema_name):
        assert WorkItem.objects.get(pk=item.pk).payload == {"a": 2}


def test_a_server_error_on_the_api_is_json_and_on_a_page_html(rf):
    from core import errors

    api = errors.server_error(rf.get("/api/v1/me/"))
    assert api.status_code == 500 and json.loads(api.content)["error"]["code"] == "error"
    page = errors.server_error(rf.get("/ideas/"))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_a_nul_character_on_a_page_is_a_400_page(aarhus, member_admin):
    browser = Client(HTTP_HOST=host_of(aarhus))
    browser.force_login(member_admin)
    for response in (
        browser.get("/ideas/?q=%00"),
        browser.post("/ideas/new/", {"title": "Ny\x00idé"}),
    ):
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
