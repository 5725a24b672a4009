"""The governance register over the API: scoped to the member, filtered, changed and
reviewed through the services, and described in the OpenAPI document without warnings."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator

from core.models import AuditEvent
from governance.models import GovernanceRecord
from orders import services as orders
from tenants.models import Role
from tests.intake.conftest import api_key

pytestmark = pytest.mark.django_db
A = orders.Action
URL = "/api/v1/governance/"


def today():
    return timezone.localdate()


@pytest.fixture
def activate(office, aarhus, process_owner, operator):
    def run(order):
        orders.act_on_order(order=order, action=A.APPROVE, actor=process_owner, site=aarhus)
        for action in (A.ACCEPT, A.START_TEST, A.ACTIVATE):
            order = orders.act_on_order(order=order, action=action, actor=operator, site=office)
        return order

    return run


@pytest.fixture
def record(place, activate):
    return activate(place()).deployment.governance


@pytest.fixture
def api(site_client):
    """A client on the organisation's host that authenticates with the user's API token."""

    def make(organisation, user):
        client = site_client(organisation)
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_key(user, organisation)}"
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the messages' source language
        return client

    return make


@pytest.fixture
def odense_owner(odense, make_user):
    return make_user("procesejer@odense.dk", odense, Role.PROCESS_OWNER)


def set_due(record, days_from_today: int):
    GovernanceRecord.objects.filter(pk=record.pk).update(
        review_due=today() + timedelta(days=days_from_today)
    )


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_the_member_reads_its_own_register(record, aarhus, process_owner, api):
    client = api(aarhus, process_owner)
    assert ids(client.get(URL)) == [record.pk]
    body = client.get(f"{URL}{record.pk}/").json()
    assert body["organisation"] == "aarhus"
    assert body["deployment"] == record.deployment_id and body["idea"] is None
    assert body["name"] == record.deployment.name
    assert body["process_owner"] == "procesejer@aarhus.dk"
    assert body["review_due"] == (today() + timedelta(days=365)).isoformat()
    assert body["overdue"] is False and body["last_reviewed_at"] is None
    assert body["systems"] == [{"system": "EG Bolig", "contract_allows": "unknown"}]


def test_another_member_neither_sees_nor_changes_the_record(record, odense, odense_owner, api):
    client = api(odense, odense_owner)
    assert ids(client.get(URL)) == []
    assert ids(client.get(URL + "?organisation=aarhus")) == []
    assert client.get(f"{URL}{record.pk}/").status_code == 404
    patched = client.patch(
        f"{URL}{record.pk}/", {"legal_basis": "Overtaget"}, content_type="application/json"
    )
    reviewed = client.post(
        f"{URL}{record.pk}/reviewed/",
        {"next_review_due": (today() + timedelta(days=90)).isoformat()},
        content_type="application/json",
    )
    assert patched.status_code == 404 and reviewed.status_code == 404
    record.refresh_from_db()
    assert record.legal_basis == "" and record.last_reviewed_at is None


def test_member_staff_may_read_but_not_change(record, aarhus, staff, api):
    client = api(aarhus, staff)
    assert ids(client.get(URL)) == [record.pk]
    refused = client.patch(
        f"{URL}{record.pk}/", {"legal_basis": "Lejeloven"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    record.refresh_from_db()
    assert record.legal_basis == ""


def test_the_process_owner_changes_the_record(record, aarhus, process_owner, api, make_user):
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    client = api(aarhus, process_owner)
    response = client.patch(
        f"{URL}{record.pk}/",
        {
            "legal_basis": "Lejeloven § 5",
            "systems": [
                {"system": "EG Bolig", "contract_allows": "yes"},
                {"system": "Outlook", "contract_allows": "no"},
            ],
            "personal_data_categories": ["navn", "adresse"],
            "dpia_needed": True,
            "process_owner": "admin@aarhus.dk",
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["legal_basis"] == "Lejeloven § 5" and body["dpia_needed"] is True
    assert body["process_owner"] == "admin@aarhus.dk"
    record.refresh_from_db()
    assert record.process_owner == admin
    assert record.systems[1] == {"system": "Outlook", "contract_allows": "no"}
    event = AuditEvent.objects.get(action="governance.record.updated")
    assert event.actor == process_owner and event.changes["dpia_needed"] == [False, True]


def test_the_office_filters_by_member_and_due(
    record, office, aarhus, odense, operator, api, place, activate
):
    other = activate(place()).deployment.governance
    set_due(record, 10)
    client = api(office, operator)
    assert sorted(ids(client.get(URL))) == sorted([record.pk, other.pk])
    assert ids(client.get(URL + "?due=true")) == [record.pk]
    assert ids(client.get(URL + "?due=false")) == [other.pk]
    assert sorted(ids(client.get(URL + "?organisation=aarhus"))) == sorted([record.pk, other.pk])
    assert ids(client.get(URL + "?organisation=odense")) == []


def test_marking_reviewed_through_the_api(record, aarhus, process_owner, api):
    set_due(record, -5)
    client = api(aarhus, process_owner)
    assert ids(client.get(URL + "?due=true")) == [record.pk]
    next_due = today() + timedelta(days=365)
    response = client.post(
        f"{URL}{record.pk}/reviewed/",
        {"next_review_due": next_due.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["review_due"] == next_due.isoformat()
    assert response.json()["last_reviewed_at"] == today().isoformat()
    assert ids(client.get(URL + "?due=true")) == []
    event = AuditEvent.objects.get(action="governance.record.reviewed")
    assert event.actor == process_owner
    assert event.changes["review_due"][1] == next_due.isoformat()


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "message"),
    [
        ("post", "reviewed/", {"next_review_due": "2001-01-01"}, "next_review_due", "after today"),
        ("post", "reviewed/", {"next_review_due": "soon"}, "next_review_due", "Date has wrong"),
        ("patch", "", {"review_due": "2001-01-01"}, "review_due", "after today"),
        ("patch", "", {"systems": "EG Bolig"}, "systems", ""),
        ("patch", "", {"systems": [{"system": "EG Bolig"}]}, "systems", ""),
        (
            "patch",
            "",
            {"systems": [{"system": "EG Bolig", "contract_allows": "maybe"}]},
            "systems",
            "",
        ),
        ("patch", "", {"process_owner": "procesejer@odense.dk"}, "process_owner", ""),
    ],
)
def test_invalid_input_gives_a_field_error_and_changes_nothing(
    record, aarhus, process_owner, odense_owner, api, method, path, body, field, message
):
    client = api(aarhus, process_owner)
    events = AuditEvent.objects.count()
    response = getattr(client, method)(
        f"{URL}{record.pk}/{path}", body, content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert message in str(error["fields"][field])
    record.refresh_from_db()
    assert record.review_due == today() + timedelta(days=365) and record.last_reviewed_at is None
    assert record.systems == [{"system": "EG Bolig", "contract_allows": "unknown"}]
    assert AuditEvent.objects.count() == events


def test_put_and_delete_are_not_offered(record, aarhus, process_owner, api):
    client = api(aarhus, process_owner)
    assert client.put(f"{URL}{record.pk}/", {}, content_type="application/json").status_code == 405
    assert client.delete(f"{URL}{record.pk}/").status_code == 405
    assert client.post(URL, {}, content_type="application/json").status_code == 405


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("site", ["member", "office"])
def test_list_query_count_is_constant(
    site,
    office,
    aarhus,
    process_owner,
    operator,
    api,
    place,
    activate,
    django_assert_num_queries,
):
    client = api(aarhus, process_owner) if site == "member" else api(office, operator)
    activate(place())
    client.get(URL)  # warm the per-process caches (tenant lookup, content types)
    few = _queries(client, URL)
    for _ in range(4):
        activate(place())
    assert len(client.get(URL).json()["results"]) == 5
    with django_assert_num_queries(few):
        client.get(URL)


def test_governance_endpoints_are_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert set(schema["paths"]["/api/v1/governance/"]) == {"get"}
    assert set(schema["paths"]["/api/v1/governance/{id}/"]) == {"get", "patch"}
    assert set(schema["paths"]["/api/v1/governance/{id}/reviewed/"]) == {"post"}
    listed = schema["paths"]["/api/v1/governance/"]["get"]["parameters"]
    assert {"due", "organisation"} <= {parameter["name"] for parameter in listed}
    ours = ("governance", "Governance", "Reviewed")
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if any(word in message for word in ours)
    ]
    assert problems == []
