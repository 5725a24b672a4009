"""The alerts API: scoped like the rest of the API, acknowledge and resolve as actions,
documented without schema warnings."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator

from robots.monitoring.models import Alert
from tenants import services as tenant_services
from tenants.models import Role
from tests.conftest import host_of
from tests.robots.monitoring.test_pages import alert_of

pytestmark = pytest.mark.django_db
ALERTS = "/api/v1/alerts/"


def token_client(organisation, user) -> Client:
    _token, key = tenant_services.issue_api_token(user=user, organisation=organisation, name="test")
    return Client(HTTP_HOST=host_of(organisation), HTTP_AUTHORIZATION=f"Bearer {key}")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_member_lists_and_handles_only_its_own_alerts(aarhus, odense, process_owner, make_user):
    mine = alert_of(aarhus)
    theirs = alert_of(odense)
    runner = alert_of(None, kind=Alert.Kind.RUNNER_SILENT, subject_type="runner")
    api = token_client(aarhus, process_owner)
    assert ids(api.get(ALERTS)) == {mine.pk}
    body = api.get(f"{ALERTS}{mine.pk}/").json()
    assert body["organisation"] == "aarhus" and body["state"] == "open"
    assert body["subject"] == {
        "type": "queue",
        "id": mine.subject_id,
        "label": mine.subject_label,
        "path": f"/queues/{mine.subject_id}/",
    }
    for other in (theirs, runner):
        assert api.get(f"{ALERTS}{other.pk}/").status_code == 404
        assert api.post(f"{ALERTS}{other.pk}/acknowledge/").status_code == 404
        assert api.post(f"{ALERTS}{other.pk}/resolve/").status_code == 404

    acknowledged = api.post(f"{ALERTS}{mine.pk}/acknowledge/").json()
    assert acknowledged["state"] == "acknowledged"
    assert acknowledged["acknowledged_by"] == process_owner.email
    refused = api.post(f"{ALERTS}{mine.pk}/acknowledge/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["non_field_errors"] == [
        "Only an open alert can be acknowledged."
    ]
    assert api.post(f"{ALERTS}{mine.pk}/resolve/").json()["state"] == "resolved"

    staff = token_client(aarhus, make_user("medarbejder@aarhus.dk", aarhus, Role.MEMBER))
    again = alert_of(aarhus)
    assert staff.post(f"{ALERTS}{again.pk}/resolve/").status_code == 403


def test_the_office_lists_every_alert_with_filters(aarhus, odense, office, operator):
    mine = alert_of(aarhus)
    theirs = alert_of(odense, kind=Alert.Kind.FAILED_RUN, subject_type="job")
    runner = alert_of(None, kind=Alert.Kind.RUNNER_SILENT, subject_type="runner")
    api = token_client(office, operator)
    assert ids(api.get(ALERTS)) == {mine.pk, theirs.pk, runner.pk}
    assert ids(api.get(ALERTS, {"kind": "runner_silent"})) == {runner.pk}
    assert api.post(f"{ALERTS}{runner.pk}/resolve/").json()["resolved_by"] == operator.email
    assert ids(api.get(ALERTS, {"state": "open"})) == {mine.pk, theirs.pk}
    assert ids(api.get(ALERTS, {"state": "resolved"})) == {runner.pk}
    assert api.get(f"{ALERTS}{runner.pk}/").json()["subject"]["path"] == "/runners/"


def test_the_list_keeps_a_constant_query_count(aarhus, office, operator):
    api = token_client(office, operator)
    alert_of(aarhus)
    api.get(ALERTS)
    with CaptureQueriesContext(connection) as few:
        api.get(ALERTS)
    for _ in range(5):
        alert_of(aarhus)
    api.post(f"{ALERTS}{alert_of(aarhus).pk}/acknowledge/")
    with CaptureQueriesContext(connection) as many:
        api.get(ALERTS)
    assert len(many) == len(few)


def test_the_alert_endpoints_are_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in (
        "/api/v1/alerts/",
        "/api/v1/alerts/{id}/",
        "/api/v1/alerts/{id}/acknowledge/",
        "/api/v1/alerts/{id}/resolve/",
    ):
        assert path in schema["paths"]
    listed = schema["paths"]["/api/v1/alerts/"]["get"]["parameters"]
    assert {"state", "kind"} <= {parameter["name"] for parameter in listed}
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "lert" in message
    ]
    assert problems == []
