"""The work queue API on a member's site: queues, items one by one or in lists, manual
handling, and nothing of another member's."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator

from robots.workitems import services
from robots.workitems.models import WorkItem, WorkQueue
from tenants import services as tenant_services
from tenants.models import Role
from tests.conftest import host_of

pytestmark = pytest.mark.django_db

QUEUES = "/api/v1/work-queues/"
Status = WorkItem.Status


def token_client(organisation, user) -> Client:
    _token, key = tenant_services.issue_api_token(user=user, organisation=organisation, name="test")
    return Client(HTTP_HOST=host_of(organisation), HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def staff_api(aarhus, staff):
    return token_client(aarhus, staff)


@pytest.fixture
def queue(aarhus):
    with schema_context(aarhus.schema_name):
        return services.create_queue(
            name="Lejetilbud",
            unique_reference=True,
            payload_schema={"type": "object", "required": ["lejemål"]},
        )


def post(client, url, body):
    return client.post(url, body, "application/json", HTTP_ACCEPT_LANGUAGE="en")


def hand_back(aarhus, queue, reference):
    with schema_context(aarhus.schema_name):
        item = services.add_item(queue, reference=reference, payload={"lejemål": "1"})
        services.reserve_next(queue)
        return services.release(item, outcome=Status.BUSINESS_EXCEPTION, message="Mangler")


def test_process_owners_create_and_configure_queues_and_staff_only_read(
    aarhus, staff, make_user, staff_api
):
    owner_api = token_client(aarhus, make_user("po@aarhus.dk", aarhus, Role.PROCESS_OWNER))
    body = {"name": "Flytninger", "max_retries": 2, "retention_days": 30}
    assert post(staff_api, QUEUES, body).status_code == 403

    created = post(owner_api, QUEUES, body)
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    bad = owner_api.patch(f"{QUEUES}{pk}/", {"payload_schema": {"type": 7}}, "application/json")
    assert bad.status_code == 400 and "payload_schema" in bad.json()["error"]["fields"]
    changed = owner_api.patch(f"{QUEUES}{pk}/", {"unique_reference": True}, "application/json")
    assert changed.status_code == 200 and changed.json()["unique_reference"] is True
    listed = staff_api.get(QUEUES).json()["results"]
    assert [queue["name"] for queue in listed] == ["Flytninger"]


def test_items_are_added_one_by_one_or_as_a_list(aarhus, queue, staff_api):
    url = f"{QUEUES}{queue.pk}/items/"
    one = post(staff_api, url, {"reference": "A-1", "payload": {"lejemål": "1"}, "priority": 3})
    assert one.status_code == 201 and one.json()["status"] == "new"
    assert one.json()["priority"] == 3

    taken = post(staff_api, url, {"reference": "A-1", "payload": {"lejemål": "1"}})
    assert taken.status_code == 400
    assert taken.json()["error"]["fields"] == {
        "reference": ["The reference A-1 is already in the queue."]
    }

    refused = post(
        staff_api,
        url,
        [
            {"reference": "B-1", "payload": {"lejemål": "2"}},
            {"reference": "B-2", "payload": {}},
            {"reference": "A-1", "payload": {"lejemål": "3"}},
        ],
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "1": ["lejemål: This field is required."],
        "2": ["The reference A-1 is already in the queue."],
    }
    with schema_context(aarhus.schema_name):
        assert list(WorkItem.objects.values_list("reference", flat=True)) == ["A-1"]

    many = post(
        staff_api,
        url,
        [{"reference": f"C-{n}", "payload": {"lejemål": str(n)}} for n in range(3)],
    )
    assert many.status_code == 201 and [item["reference"] for item in many.json()] == [
        "C-0",
        "C-1",
        "C-2",
    ]
    big = post(staff_api, url, {"reference": "D", "payload": {"lejemål": "x" * 70_000}})
    assert big.status_code == 400
    assert big.json()["error"]["fields"]["payload"] == [
        "The payload is 69 KiB; at most 64 KiB is allowed."
    ]


def test_items_are_listed_with_filters(aarhus, queue, staff_api):
    hand_back(aarhus, queue, "X-1")
    with schema_context(aarhus.schema_name):
        services.add_item(queue, reference="X-2", payload={"lejemål": "2"})
    url = f"{QUEUES}{queue.pk}/items/"
    assert [i["reference"] for i in staff_api.get(url).json()["results"]] == ["X-2", "X-1"]
    handed = staff_api.get(url, {"status": "business_exception"}).json()["results"]
    assert [(i["reference"], i["reason"]) for i in handed] == [("X-1", "Mangler")]
    assert [i["reference"] for i in staff_api.get(url, {"reference": "X-2"}).json()["results"]] == [
        "X-2"
    ]


def test_staff_handle_handed_back_items_over_the_api(aarhus, queue, staff, staff_api):
    first, second, third = (hand_back(aarhus, queue, f"H-{n}") for n in range(3))
    items = "/api/v1/work-items/"

    assigned = post(staff_api, f"{items}{first.pk}/assign/", {"user": staff.email})
    assert assigned.status_code == 200 and assigned.json()["assigned_to"] == staff.email
    outsider = post(staff_api, f"{items}{first.pk}/assign/", {"user": "nobody@odense.dk"})
    assert outsider.status_code == 400

    resolved = post(staff_api, f"{items}{first.pk}/resolve/", {"note": "Ordnet"})
    assert resolved.json()["status"] == "resolved"
    again = post(staff_api, f"{items}{first.pk}/resolve/", {})
    assert again.status_code == 400
    assert (
        "not waiting for manual handling" in again.json()["error"]["fields"]["non_field_errors"][0]
    )

    wrong = post(staff_api, f"{items}{second.pk}/resubmit/", {"payload": {"nej": 1}})
    assert wrong.status_code == 400
    back = post(staff_api, f"{items}{second.pk}/resubmit/", {"payload": {"lejemål": "9"}})
    assert back.json()["status"] == "new" and back.json()["payload"] == {"lejemål": "9"}

    closed = post(staff_api, f"{items}{third.pk}/close/", {})
    assert closed.json()["status"] == "closed"
    assert staff_api.get(f"{items}{third.pk}/").json()["reference"] == "H-2"


def test_another_member_gets_nothing(aarhus, odense, queue, staff, odense_staff):
    item = hand_back(aarhus, queue, "SECRET")
    with schema_context(aarhus.schema_name):
        for n in range(3):
            services.add_item(queue, reference=f"pad-{n}", payload={"lejemål": "1"})
    odense_api = token_client(odense, odense_staff)
    assert odense_api.get(QUEUES).json()["results"] == []
    assert odense_api.get(f"{QUEUES}{queue.pk}/").status_code == 404
    assert odense_api.get(f"{QUEUES}{queue.pk}/items/").status_code == 404
    assert odense_api.get(f"/api/v1/work-items/{item.pk + 3}/").status_code == 404
    assert post(odense_api, f"/api/v1/work-items/{item.pk}/close/", {}).status_code == 404
    # Odense's token on Aarhus's site is refused outright.
    _token, key = tenant_services.issue_api_token(user=odense_staff, organisation=odense, name="x")
    on_aarhus = Client(HTTP_HOST=host_of(aarhus), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert on_aarhus.get(f"/api/v1/work-items/{item.pk}/").status_code in (401, 403)
    with schema_context(aarhus.schema_name):
        assert WorkItem.objects.get(pk=item.pk).status == Status.BUSINESS_EXCEPTION


def test_the_office_host_has_no_work_items(office, make_user):
    operator = make_user("op@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    office_api = token_client(office, operator)
    assert office_api.get(QUEUES).status_code == 404
    assert post(office_api, QUEUES, {"name": "x"}).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lists_keep_a_constant_query_count(aarhus, queue, staff, staff_api):
    def grow(n):
        for _ in range(n):
            with schema_context(aarhus.schema_name):
                item = hand_back(aarhus, queue, f"Q-{WorkItem.objects.count()}")
                services.assign([item], staff, actor=staff)
                services.create_queue(name=f"Kø {WorkQueue.objects.count()}")

    grow(2)
    items = f"{QUEUES}{queue.pk}/items/"
    staff_api.get(QUEUES)  # the site and the token are looked up once
    counts = {url: _queries(staff_api, url) for url in (QUEUES, items)}
    grow(5)
    assert {url: _queries(staff_api, url) for url in (QUEUES, items)} == counts


def test_the_endpoints_are_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in (
        "/api/v1/work-queues/",
        "/api/v1/work-queues/{id}/",
        "/api/v1/work-queues/{queue_pk}/items/",
        "/api/v1/work-items/{id}/",
        "/api/v1/work-items/{id}/resolve/",
        "/api/v1/work-items/{id}/resubmit/",
        "/api/v1/work-items/{id}/close/",
        "/api/v1/work-items/{id}/assign/",
        "/api/v1/work-items/{id}/files/{file_pk}/",
    ):
        assert path in schema["paths"]
    listed = schema["paths"]["/api/v1/work-queues/{queue_pk}/items/"]["get"]["parameters"]
    assert {"status", "reference", "cursor"} <= {parameter["name"] for parameter in listed}
    ours = ("workitems", "WorkItem", "WorkQueue", "work-item", "work-queue", "work_item")
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if any(word in message for word in ours)
    ]
    assert problems == []
