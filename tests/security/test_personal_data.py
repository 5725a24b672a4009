"""Issue 14, item 9: responses with personal data are never cached, and run logs (which
can hold a member's personal data) are read only by the roles that need them."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from robots.models import Job
from robots.runlogs.models import JobLogLine
from robots.services import jobs
from tenants import services as tenant_services
from tenants.models import Role
from tests.conftest import host_of

pytestmark = pytest.mark.django_db

LOG_TEXT = "Henter sag for CPR 010203-1234"


@pytest.fixture
def job(aarhus, make_deployment):
    job = jobs.enqueue(deployment=make_deployment(aarhus), trigger=Job.Trigger.MANUAL)
    with schema_context(aarhus.schema_name):
        JobLogLine.objects.create(job=job, number=1, text=LOG_TEXT)
    return job


def no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_pages_and_api_answers_with_personal_data_are_not_stored(
    aarhus, job, make_user, site_client
):
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    client = site_client(aarhus, admin)
    for path in ("/people/", "/queues/", f"/jobs/{job.pk}/", f"/jobs/{job.pk}/log/", "/jobs/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert no_store(response), path
    _token, key = tenant_services.issue_api_token(user=admin, organisation=aarhus, name="t")
    api = Client(HTTP_HOST=host_of(aarhus), HTTP_AUTHORIZATION=f"Bearer {key}")
    response = api.get("/api/v1/work-queues/")
    assert response.status_code == 200 and no_store(response)
    # Even an error page and the login page.
    assert no_store(client.get("/jobs/999999/"))
    assert no_store(Client(HTTP_HOST=host_of(aarhus)).get("/accounts/login/"))


@pytest.mark.parametrize(
    ("site", "role", "reads"),
    [
        ("office", Role.OFFICE_OPERATOR, True),
        ("office", Role.OFFICE_ADMIN, True),
        ("office", Role.OFFICE_DEVELOPER, False),
        ("office", Role.FINANCE, False),
        ("aarhus", Role.MEMBER, True),
        ("aarhus", Role.PROCESS_OWNER, True),
        ("aarhus", Role.MEMBER_ADMIN, True),
        ("aarhus", Role.FINANCE, False),
    ],
)
def test_run_logs_are_read_only_by_roles_that_need_them(
    request, job, make_user, site_client, site, role, reads
):
    organisation = request.getfixturevalue(site)
    client = site_client(organisation, make_user(f"{role}@{site}.dk", organisation, role))
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200  # the run itself: status, times, message
    assert (LOG_TEXT in page.content.decode()) is reads
    log = client.get(f"/jobs/{job.pk}/log/")
    if reads:
        assert log.status_code == 200 and LOG_TEXT in log.content.decode()
    else:
        assert log.status_code == 403 and LOG_TEXT not in log.content.decode()
        assert 'data-testid="job-log-withheld"' in page.content.decode()
