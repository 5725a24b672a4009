"""A queue's items tried again or deleted in bulk over the member API, as on the queue's
page: all or none, deleting only for those who manage queues, nothing of another member's."""

import pytest
from django_tenants.utils import schema_context
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator

from core.models import AuditEvent
from robots.workitems import services
from robots.workitems.models import WorkItem, WorkItemEvent
from tests.robots.workitems.test_api import hand_back, post, token_client

pytestmark = pytest.mark.django_db
Status = WorkItem.Status


@pytest.fixture
def staff_api(aarhus, staff):
    return token_client(aarhus, staff)


@pytest.fixture
def queue(aarhus):
    with schema_context(aarhus.schema_name):
        return services.create_queue(name="Lejetilbud")


def status_of(aarhus, *items) -> list[str]:
    with schema_context(aarhus.schema_name):
        return [WorkItem.objects.get(pk=item.pk).status for item in items]


def url(queue, action: str) -> str:
    return f"/api/v1/work-queues/{queue.pk}/{action}-items/"


def test_staff_try_handed_back_items_again(aarhus, queue, staff, staff_api):
    first, second = hand_back(aarhus, queue, "L-1"), hand_back(aarhus, queue, "L-2")
    response = post(staff_api, url(queue, "retry"), {"items": [first.pk, second.pk]})
    assert (response.status_code, response.json()) == (200, {"count": 2})
    with schema_context(aarhus.schema_name):
        retried = WorkItem.objects.get(pk=first.pk)
        assert (retried.status, retried.attempts, retried.outcome) == (Status.NEW, 0, "")
        event = WorkItemEvent.objects.filter(item=retried, message="Tried again").get()
        assert event.actor == staff


def test_a_retry_is_all_or_none_and_names_the_items_in_the_way(aarhus, queue, staff_api):
    handed_back = hand_back(aarhus, queue, "L-1")
    with schema_context(aarhus.schema_name):
        new = services.add_item(queue, reference="L-2", payload={"lejemål": "1"})
    response = post(staff_api, url(queue, "retry"), {"items": [handed_back.pk, new.pk]})
    assert response.status_code == 400
    message = response.json()["error"]["fields"]["non_field_errors"][0]
    assert message == "Only items a robot handed back can be tried again, not L-2."
    assert status_of(aarhus, handed_back, new) == [Status.BUSINESS_EXCEPTION, Status.NEW]


def test_process_owners_delete_items_and_staff_may_not(aarhus, queue, admin, staff_api):
    first, second = hand_back(aarhus, queue, "L-1"), hand_back(aarhus, queue, "L-2")
    assert post(staff_api, url(queue, "delete"), {"items": [first.pk]}).status_code == 403
    admin_api = token_client(aarhus, admin)
    response = post(admin_api, url(queue, "delete"), {"items": [first.pk, second.pk]})
    assert (response.status_code, response.json()) == (200, {"count": 2})
    with schema_context(aarhus.schema_name):
        assert not WorkItem.objects.exists()
    event = AuditEvent.objects.get(action="workitems.items.deleted")
    assert event.actor == admin and event.organisation == aarhus
    assert event.changes == {"items": [[first.pk, "L-1"], [second.pk, "L-2"]]}


def test_an_item_a_robot_works_on_is_not_deleted(aarhus, queue, admin):
    with schema_context(aarhus.schema_name):
        working = services.add_item(queue, reference="L-1", payload={})
        assert services.reserve_next(queue).pk == working.pk
        waiting = services.add_item(queue, reference="L-2", payload={})
    body = {"items": [waiting.pk, working.pk]}
    response = post(token_client(aarhus, admin), url(queue, "delete"), body)
    assert response.status_code == 400
    message = response.json()["error"]["fields"]["non_field_errors"][0]
    assert message == "A robot is working on L-1: they cannot be deleted now."
    assert status_of(aarhus, waiting, working) == [Status.NEW, Status.IN_PROGRESS]


@pytest.mark.parametrize(
    "body",
    [{}, {"items": []}, {"items": ["x"]}, {"items": [0]}, {"items": list(range(1, 1002))}, []],
)
def test_bad_input_is_refused_and_changes_nothing(aarhus, queue, admin, body):
    item = hand_back(aarhus, queue, "L-1")
    admin_api = token_client(aarhus, admin)
    for action in ("retry", "delete"):
        response = post(admin_api, url(queue, action), body)
        assert response.status_code == 400, (action, body)
        assert response.json()["error"]["code"] == "invalid"
    assert status_of(aarhus, item) == [Status.BUSINESS_EXCEPTION]


def test_another_members_queue_and_items_are_out_of_reach(aarhus, odense, queue, admin, make_user):
    from tenants.models import Role

    item = hand_back(aarhus, queue, "SECRET")
    with schema_context(odense.schema_name):
        theirs = services.create_queue(name="Odense")
    odense_admin = token_client(odense, make_user("admin@odense.dk", odense, Role.MEMBER_ADMIN))
    for action in ("retry", "delete"):
        # Aarhus's queue is not Odense's (404), nor are Aarhus's items in Odense's queue.
        if theirs.pk != queue.pk:
            assert post(odense_admin, url(queue, action), {"items": [item.pk]}).status_code == 404
        response = post(odense_admin, url(theirs, action), {"items": [item.pk]})
        assert response.status_code in (400, 404)
    assert status_of(aarhus, item) == [Status.BUSINESS_EXCEPTION]
    assert not AuditEvent.objects.filter(action="workitems.items.deleted").exists()


def test_the_endpoints_are_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for action in ("retry", "delete"):
        operation = schema["paths"][f"/api/v1/work-queues/{{id}}/{action}-items/"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/ItemIdsRequest"}
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "WorkQueue" in message or "work-queue" in message or "ItemIds" in message
    ]
    assert problems == []
