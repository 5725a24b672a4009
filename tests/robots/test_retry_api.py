"""Trying a failed run again over the API: as the run page's button, for those who may
start runs, and nothing of another member's."""

import pytest
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator

from core.models import AuditEvent
from robots.models import Job
from robots.services import deployments, jobs
from tenants import services as tenant_services
from tenants.models import Role
from tests.conftest import host_of

pytestmark = pytest.mark.django_db


def api(organisation, user) -> Client:
    _token, key = tenant_services.issue_api_token(user=user, organisation=organisation, name="t")
    return Client(
        HTTP_HOST=host_of(organisation),
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.fixture
def failed(aarhus, make_deployment, make_runner):
    runner, _token = make_runner()
    job = jobs.enqueue(
        deployment=make_deployment(aarhus), trigger=Job.Trigger.API, parameters={"dage_frist": 3}
    )
    jobs.claim(runner)
    jobs.complete(runner, job.pk, succeeded=False, message="Portalen svarede ikke")
    job.refresh_from_db()
    return job


def retry(client, job):
    return client.post(f"/api/v1/jobs/{job.pk}/retry/")


def test_a_process_owner_retries_a_failed_run(aarhus, process_owner, failed):
    response = retry(api(aarhus, process_owner), failed)
    assert response.status_code == 201
    retried = Job.objects.exclude(pk=failed.pk).get()
    assert response.json() == {
        "id": retried.pk,
        "deployment": failed.deployment_id,
        "status": "queued",
        "trigger": "manual",
        "parameters": {"dage_frist": 3},
        "queued_at": response.json()["queued_at"],
    }
    assert retried.requested_by == process_owner
    event = AuditEvent.objects.get(action="robots.job.retried")
    assert event.target_id == str(failed.pk) and event.changes == {"retry": retried.pk}


def test_the_office_operator_retries_any_members_run(office, operator, failed):
    assert retry(api(office, operator), failed).status_code == 201
    assert Job.objects.filter(deployment=failed.deployment, status="queued").count() == 1


def test_only_a_failed_or_cancelled_run_is_retried(aarhus, process_owner, failed):
    client = api(aarhus, process_owner)
    queued = Job.objects.get(pk=retry(client, failed).json()["id"])
    response = retry(client, queued)
    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        f"Only a failed or cancelled run can be tried again; #{queued.pk} is Queued."
    )
    assert Job.objects.count() == 2


def test_a_paused_deployment_is_not_retried(aarhus, process_owner, operator, failed):
    deployments.pause_deployment(deployment=failed.deployment, actor=operator)
    response = retry(api(aarhus, process_owner), failed)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_active"
    assert Job.objects.count() == 1


def test_staff_and_other_members_cannot_retry(aarhus, odense, staff, make_user, failed):
    assert retry(api(aarhus, staff), failed).status_code == 403
    odense_admin = make_user("admin@odense.dk", odense, Role.MEMBER_ADMIN)
    assert retry(api(odense, odense_admin), failed).status_code == 404
    anonymous = Client(HTTP_HOST=host_of(aarhus))
    assert retry(anonymous, failed).status_code in (401, 403)
    assert Job.objects.count() == 1


def test_the_endpoint_is_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/jobs/{id}/retry/"]["post"]
    assert "201" in operation["responses"] and "requestBody" not in operation
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "retry" in message or "JobViewSet" in message
    ]
    assert problems == []
