"""A queue's page: items tried again or deleted in bulk, an item added through fields made
from the queue's payload schema; and the SLA page of every queue."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from core.models import AuditEvent
from robots.workitems import services
from robots.workitems.models import WorkItem, WorkItemFile
from tests.robots.workitems.test_pages import _queries, hand_back, in_schema

pytestmark = pytest.mark.django_db
Status = WorkItem.Status

SCHEMA = {
    "type": "object",
    "properties": {
        "lejemål": {"type": "string", "title": "Lejemål", "minLength": 3},
        "husleje": {"type": "integer", "title": "Husleje (kr)", "minimum": 0},
        "haster": {"type": "boolean", "title": "Haster"},
    },
    "required": ["lejemål"],
    "additionalProperties": False,
}


@pytest.fixture
def staff_client(aarhus, staff, site_client):
    return site_client(aarhus, staff)


@pytest.fixture
def admin_client(aarhus, admin, site_client):
    return site_client(aarhus, admin)


@pytest.fixture
def queue(aarhus, make_queue):
    with schema_context(aarhus.schema_name):
        return make_queue(name="Lejetilbud", payload_schema=SCHEMA, sla_minutes=60)


def test_staff_try_handed_back_items_again_in_bulk(aarhus, queue, staff, staff_client):
    with schema_context(aarhus.schema_name):
        first, second = (
            hand_back(queue, "L-1", payload={"lejemål": "12-9"}),
            hand_back(queue, "L-2", payload={"lejemål": "12-9"}),
        )
        new = services.add_item(queue, reference="L-3", payload={"lejemål": "12-3"})
    body = staff_client.get(f"/queues/{queue.pk}/").content.decode()
    assert 'form="item-bulk"' in body and 'value="delete"' not in body  # staff do not delete
    url = f"/queues/{queue.pk}/items/bulk/?status=business_exception"
    response = staff_client.post(url, {"items": [first.pk, second.pk], "action": "retry"})
    assert response.status_code == 302
    assert response.url == f"/queues/{queue.pk}/?status=business_exception"
    with schema_context(aarhus.schema_name):
        retried = WorkItem.objects.get(pk=first.pk)
        assert retried.status == Status.NEW and retried.attempts == 0 and not retried.outcome
        assert retried.events.last().message == "Prøvet igen"  # the site speaks Danish
        # A new item cannot be tried again: nothing changes, the reason is shown.
    staff_client.post(
        f"/queues/{queue.pk}/items/bulk/", {"items": [new.pk, second.pk], "action": "retry"}
    )
    with schema_context(aarhus.schema_name):
        assert WorkItem.objects.get(pk=second.pk).status == Status.NEW
        assert WorkItem.objects.get(pk=new.pk).events.count() == 1


def test_a_mixed_choice_is_refused_whole(aarhus, queue, staff_client):
    with schema_context(aarhus.schema_name):
        handed = hand_back(queue, "L-1", payload={"lejemål": "12-9"})
        new = services.add_item(queue, reference="L-2", payload={"lejemål": "12-2"})
    response = staff_client.post(
        f"/queues/{queue.pk}/items/bulk/", {"items": [handed.pk, new.pk], "action": "retry"}
    )
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["Kun opgaver, en robot har sendt tilbage, kan prøves igen, ikke L-2."]
    assert in_schema(aarhus, WorkItem.objects.get, pk=handed.pk).status == Status.BUSINESS_EXCEPTION


def test_queue_managers_delete_items_with_their_files_and_it_is_audited(
    aarhus, queue, admin, admin_client, staff_client
):
    with schema_context(aarhus.schema_name):
        done = services.add_item(queue, reference="L-1", payload={"lejemål": "12-1"})
        services.attach_file(done, name="svar.pdf", content=b"%PDF")
        taken = services.add_item(queue, reference="L-2", payload={"lejemål": "12-2"})
        services.reserve_next(queue)  # L-1 is in progress now (taken first)
        kept = services.add_item(queue, reference="L-3", payload={"lejemål": "12-3"})
        stored = WorkItemFile.objects.get().file
    url = f"/queues/{queue.pk}/items/bulk/"
    assert staff_client.post(url, {"items": [taken.pk], "action": "delete"}).status_code == 403
    assert 'value="delete"' in admin_client.get(f"/queues/{queue.pk}/").content.decode()
    # L-1 is held by a robot: refused, nothing deleted.
    admin_client.post(url, {"items": [done.pk, taken.pk], "action": "delete"})
    assert in_schema(aarhus, WorkItem.objects.count) == 3
    admin_client.post(url, {"items": [taken.pk, kept.pk], "action": "delete"})
    with schema_context(aarhus.schema_name):
        assert list(WorkItem.objects.values_list("reference", flat=True)) == ["L-1"]
    event = AuditEvent.objects.get(action="workitems.items.deleted")
    assert event.actor == admin and event.organisation == aarhus
    assert event.changes == {"items": [[taken.pk, "L-2"], [kept.pk, "L-3"]]}
    assert stored.storage.exists(stored.name)  # L-1's file stays with L-1


def test_deleting_an_item_removes_its_stored_files(
    aarhus, queue, admin_client, django_capture_on_commit_callbacks
):
    with schema_context(aarhus.schema_name):
        item = hand_back(queue, "L-1", payload={"lejemål": "12-9"})
        services.attach_file(item, name="svar.pdf", content=b"%PDF")
        stored = WorkItemFile.objects.get().file
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            f"/queues/{queue.pk}/items/bulk/", {"items": [item.pk], "action": "delete"}
        )
    assert not stored.storage.exists(stored.name)
    assert in_schema(aarhus, WorkItemFile.objects.count) == 0


def test_an_item_is_added_through_fields_made_from_the_queue_schema(aarhus, queue, staff_client):
    page = staff_client.get(f"/queues/{queue.pk}/").content.decode()
    assert 'name="param_lejemål"' in page and 'name="param_haster"' in page
    assert 'name="payload"' not in page
    url = f"/queues/{queue.pk}/items/"
    wrong = staff_client.post(url, {"reference": "L-1", "priority": "0", "param_lejemål": "1"})
    assert wrong.status_code == 400 and "param_lejemål" in wrong.context["item_form"].errors
    data = {"reference": "L-1", "priority": "1", "param_lejemål": "12-101", "param_husleje": "6500"}
    assert staff_client.post(url, data).status_code == 302
    item = in_schema(aarhus, WorkItem.objects.get)
    assert item.payload == {"lejemål": "12-101", "husleje": 6500, "haster": False}
    assert item.priority == 1


def test_the_sla_page_shows_waiting_oldest_past_sla_and_due_soon(
    aarhus, queue, make_queue, staff_client
):
    now = timezone.now()
    with schema_context(aarhus.schema_name):
        hand_back(queue, "back", payload={"lejemål": "12-9"})
        old = services.add_item(queue, reference="old", payload={"lejemål": "1-1"})
        WorkItem.objects.filter(pk=old.pk).update(created_at=now - timedelta(hours=3))
        services.add_item(
            queue, reference="soon", payload={"lejemål": "1-2"}, deadline=now + timedelta(hours=2)
        )
        services.add_item(
            queue, reference="late", payload={"lejemål": "1-3"}, deadline=now - timedelta(hours=1)
        )
        finished = services.add_item(queue, reference="done", payload={"lejemål": "1-4"})
        WorkItem.objects.filter(pk=finished.pk).update(
            status=Status.DONE, created_at=now - timedelta(days=2), finished_at=now
        )
        make_queue(name="Uden SLA")
    page = staff_client.get("/queues/sla/")
    rows = {row.name: row for row in page.context["queues"]}
    row = rows["Lejetilbud"]
    assert (row.waiting, row.in_progress, row.handed_back) == (3, 0, 1)
    assert row.oldest_unfinished == in_schema(aarhus, WorkItem.objects.get, pk=old.pk).created_at
    assert (row.past_sla, row.overdue, row.due_soon) == (1, 1, 1)
    assert rows["Uden SLA"].waiting == 0 and rows["Uden SLA"].oldest_unfinished is None
    assert 'data-testid="queue-sla"' in page.content.decode()
    assert 'href="/queues/sla/"' in staff_client.get("/queues/").content.decode()


def test_the_sla_page_costs_the_same_queries_however_many_queues(aarhus, make_queue, staff_client):
    def grow():
        with schema_context(aarhus.schema_name):
            for _ in range(3):
                q = make_queue(sla_minutes=30)
                services.add_item(q, payload={})

    grow()
    staff_client.get("/queues/sla/")
    few = _queries(staff_client, "/queues/sla/")
    grow()
    assert _queries(staff_client, "/queues/sla/") == few


def test_the_sla_page_draws_each_queues_trend_of_the_last_two_weeks(aarhus, queue, staff_client):
    now = timezone.now()
    with schema_context(aarhus.schema_name):
        for days_ago in (0, 0, 3, 20):
            item = services.add_item(queue, payload={"lejemål": "12-1"})
            WorkItem.objects.filter(pk=item.pk).update(created_at=now - timedelta(days=days_ago))
        WorkItem.objects.filter(pk=item.pk).update(status=Status.DONE, finished_at=now)
    page = staff_client.get("/queues/sla/")
    counts = page.context["chart"]["queues"][str(queue.pk)]
    assert len(counts["added"]) == 14 and sum(counts["added"]) == 3
    assert counts["added"][-1] == 2 and counts["added"][-4] == 1
    assert counts["finished"][-1] == 1
    body = page.content.decode()
    assert f'data-queue-trend="{queue.pk}"' in body and 'id="queue-trend-data"' in body
