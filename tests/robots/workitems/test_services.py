"""Work items through their life: added, reserved by robots, released, handed back to
people, resubmitted, resolved, closed, abandoned, erased."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from robots.selectors import RunningJob
from robots.workitems import services
from robots.workitems.models import WorkItem, WorkItemEvent, WorkQueue

pytestmark = pytest.mark.django_db

Status = WorkItem.Status


def history(item) -> list[tuple[str, str]]:
    return list(item.events.order_by("pk").values_list("from_status", "to_status"))


def test_robots_take_the_highest_priority_first_then_the_oldest_and_skip_deferred(
    in_aarhus, make_queue
):
    queue = make_queue()
    now = timezone.now()
    old = services.add_item(queue, reference="old")
    services.add_item(queue, reference="later", defer_until=now + timedelta(hours=1))
    urgent = services.add_item(queue, reference="urgent", priority=5)
    young = services.add_item(queue, reference="young")

    taken = [services.reserve_next(queue, now=now) for _ in range(4)]

    assert taken[:3] == [urgent, old, young] and taken[3] is None
    urgent.refresh_from_db()
    assert urgent.status == Status.IN_PROGRESS and urgent.attempts == 1
    assert urgent.started_at == now
    assert history(urgent) == [("", "new"), ("new", "in_progress")]
    later = services.reserve_next(queue, now=now + timedelta(hours=2))
    assert later.reference == "later"


def test_an_application_error_is_retried_after_the_delay_until_the_maximum(in_aarhus, make_queue):
    queue = make_queue(max_retries=2, retry_delay_seconds=600)
    item = services.add_item(queue, reference="A-1")
    now = timezone.now()

    services.reserve_next(queue, now=now)
    item = services.release(item, outcome=Status.APPLICATION_EXCEPTION, message="Timeout", now=now)
    assert item.status == Status.NEW and item.defer_until == now + timedelta(minutes=10)
    assert services.reserve_next(queue, now=now + timedelta(minutes=5)) is None

    again = services.reserve_next(queue, now=now + timedelta(minutes=11))
    assert again == item and again.attempts == 2
    item = services.release(item, outcome=Status.APPLICATION_EXCEPTION, message="Timeout igen")

    assert item.status == Status.APPLICATION_EXCEPTION and item.reason == "Timeout igen"
    assert services.reserve_next(queue, now=now + timedelta(days=1)) is None
    assert item.handed_back
    assert history(item)[-1] == ("in_progress", "application_exception")


def test_release_is_idempotent(in_aarhus, make_queue):
    queue = make_queue()
    item = services.add_item(queue, payload={"lejemål": "12-3"})
    services.reserve_next(queue)

    first = services.release(item, outcome=Status.DONE, output={"sag": "S-9"})
    again = services.release(item, outcome=Status.DONE, output={"sag": "S-9"})

    assert first.status == again.status == Status.DONE and again.output == {"sag": "S-9"}
    assert again.finished_at == first.finished_at
    assert item.events.filter(to_status=Status.DONE).count() == 1
    with pytest.raises(ValidationError, match="not in progress"):
        services.release(item, outcome=Status.BUSINESS_EXCEPTION)


def test_a_late_release_of_an_earlier_attempt_changes_nothing(in_aarhus, make_queue):
    queue = make_queue(retry_delay_seconds=0)
    item = services.add_item(queue)
    services.reserve_next(queue)
    services.release(item, outcome=Status.APPLICATION_EXCEPTION, attempt=1)
    services.reserve_next(queue)

    late = services.release(item, outcome=Status.DONE, attempt=1)

    assert late.status == Status.IN_PROGRESS and late.attempts == 2


def test_a_business_exception_goes_to_manual_handling_and_is_resubmitted_with_a_new_payload(
    in_aarhus, make_queue, staff
):
    queue = make_queue(payload_schema={"type": "object", "required": ["cpr"]})
    item = services.add_item(queue, reference="B-1", payload={"cpr": "0101011234"})
    services.reserve_next(queue)
    item = services.release(
        item, outcome=Status.BUSINESS_EXCEPTION, message="Borgeren har ingen adresse"
    )
    assert item.status == Status.BUSINESS_EXCEPTION and item.reason == "Borgeren har ingen adresse"

    services.assign([item], staff, actor=staff)
    with pytest.raises(ValidationError) as refused:
        services.resubmit(item, actor=staff, payload={"adresse": "Rådhuspladsen 2"})
    assert "cpr" in str(refused.value)
    item = services.resubmit(
        item, actor=staff, payload={"cpr": "0101011234", "adresse": "Rådhuspladsen 2"}
    )

    item.refresh_from_db()
    assert item.status == Status.NEW and item.attempts == 0 and item.assigned_to == staff
    assert item.payload["adresse"] == "Rådhuspladsen 2"
    assert services.reserve_next(queue) == item
    last = item.events.order_by("-pk").values_list("actor", "message")[1]
    assert last == (staff.pk, "Resubmitted with an edited payload")


def test_handed_back_items_are_resolved_or_closed_in_bulk_with_a_note(in_aarhus, make_queue, staff):
    queue = make_queue()
    items = [services.add_item(queue, reference=f"R-{n}") for n in range(3)]
    for item in items:
        services.reserve_next(queue)
        services.release(item, outcome=Status.BUSINESS_EXCEPTION, message="Mangler bilag")

    assert services.resolve(items[:2], actor=staff, note="Klaret manuelt") == 2
    assert services.close([items[2]], actor=staff, note="Sagen er trukket tilbage") == 1

    statuses = dict(WorkItem.objects.values_list("reference", "status"))
    assert statuses == {"R-0": "resolved", "R-1": "resolved", "R-2": "closed"}
    event = items[2].events.latest("pk")
    assert (event.actor, event.message) == (staff, "Sagen er trukket tilbage")
    with pytest.raises(ValidationError, match="not waiting for manual handling"):
        services.resolve(items, actor=staff)


def test_only_items_waiting_for_people_can_be_handled(in_aarhus, make_queue, staff):
    queue = make_queue()
    waiting = services.add_item(queue)

    with pytest.raises(ValidationError, match="not waiting for manual handling"):
        services.close([waiting], actor=staff)
    with pytest.raises(ValidationError, match="not waiting for manual handling"):
        services.resubmit(waiting, actor=staff)
    assert WorkItem.objects.get().status == Status.NEW


def test_assigning_to_someone_outside_the_organisation_is_refused(
    odense_staff, staff, in_aarhus, make_queue
):
    queue = make_queue()
    item = services.add_item(queue)
    services.reserve_next(queue)
    services.release(item, outcome=Status.BUSINESS_EXCEPTION)

    with pytest.raises(ValidationError, match="person of your organisation"):
        services.assign([item], odense_staff, actor=staff)
    assert WorkItem.objects.get().assigned_to is None


def test_a_reference_is_refused_twice_in_a_unique_queue(in_aarhus, make_queue):
    unique = make_queue(unique_reference=True)
    other = make_queue()
    services.add_item(unique, reference="L-100")

    with pytest.raises(ValidationError) as refused:
        services.add_item(unique, reference="L-100", payload={"x": 1})
    assert refused.value.message_dict == {
        "reference": ["The reference L-100 is already in the queue."]
    }
    services.add_item(other, reference="L-100")
    services.add_item(other, reference="L-100")
    assert unique.items.count() == 1 and other.items.count() == 2


def test_a_queue_with_duplicates_cannot_be_made_unique(in_aarhus, make_queue):
    queue = make_queue()
    services.add_item(queue, reference="D-1")
    services.add_item(queue, reference="D-1")

    with pytest.raises(ValidationError, match="same reference"):
        services.update_queue(queue, unique_reference=True)

    queue.refresh_from_db()
    assert not queue.unique_reference
    queue.items.filter(pk=queue.items.last().pk).delete()
    queue = services.update_queue(queue, unique_reference=True)
    with pytest.raises(ValidationError):
        services.add_item(queue, reference="D-1")


def test_oversized_and_schema_violating_payloads_are_refused_and_nothing_is_saved(
    in_aarhus, make_queue
):
    queue = make_queue(
        payload_schema={
            "type": "object",
            "properties": {"beløb": {"type": "integer", "minimum": 0}},
            "required": ["beløb"],
        }
    )
    with pytest.raises(ValidationError) as too_big:
        services.add_item(queue, payload={"beløb": 1, "bilag": "x" * 70_000})
    assert too_big.value.message_dict["payload"] == [
        "The payload is 69 KiB; at most 64 KiB is allowed."
    ]
    with pytest.raises(ValidationError) as wrong:
        services.add_item(queue, payload={"beløb": -5})
    assert wrong.value.message_dict["payload"] == ["beløb: Must be at least 0."]
    with pytest.raises(ValidationError):
        services.add_item(queue, payload=["not", "an", "object"])

    assert not WorkItem.objects.exists() and not WorkItemEvent.objects.exists()


def test_an_invalid_payload_schema_is_refused(in_aarhus, make_queue):
    with pytest.raises(ValidationError, match="not a valid JSON Schema"):
        make_queue(payload_schema={"type": "tal"})
    assert not WorkQueue.objects.exists()


def test_bulk_keeps_the_valid_rows_and_reports_the_others_by_line(in_aarhus, make_queue):
    queue = make_queue(unique_reference=True, payload_schema={"required": ["navn"]})
    services.add_item(queue, reference="X-1", payload={"navn": "Findes"})
    rows = [
        services.ItemRow(line=2, reference="X-1", payload={"navn": "Igen"}),
        services.ItemRow(line=3, reference="X-2", payload={"navn": "Ny"}),
        services.ItemRow(line=4, reference="X-2", payload={"navn": "Dobbelt"}),
        services.ItemRow(line=5, reference="X-3", payload={}),
        services.ItemRow(line=6, reference="X-4", payload={"navn": "Også ny"}),
    ]

    result = services.add_items_bulk(queue, rows)

    assert [item.reference for item in result.items] == ["X-2", "X-4"]
    assert [(error["line"], error["message"]) for error in result.errors] == [
        (2, "The reference X-1 is already in the queue."),
        (4, "The reference X-2 is already in the queue."),
        (5, "navn: This field is required."),
    ]
    assert queue.items.count() == 3


def test_stuck_items_are_abandoned_with_a_line_in_their_history(in_aarhus, make_queue):
    queue = make_queue(abandon_after_minutes=30)
    item = services.add_item(queue)
    services.reserve_next(queue, now=timezone.now() - timedelta(hours=1))

    assert services.abandon_stuck_items() == 1

    item.refresh_from_db()
    assert item.status == Status.ABANDONED and item.handed_back
    assert history(item)[-1] == ("in_progress", "abandoned")


def test_retention_erases_payloads_but_keeps_counts_and_timings(in_aarhus, make_queue):
    queue = make_queue(retention_days=30)
    kept_forever = make_queue()
    now = timezone.now()
    old = now - timedelta(days=40)
    items = []
    for n, target in enumerate([queue, queue, kept_forever]):
        item = services.add_item(target, reference=f"P-{n}", payload={"cpr": "0101011234"})
        services.reserve_next(target, now=old)
        services.release(item, outcome=Status.DONE, output={"ok": True}, now=old)
        items.append(item)
    recent = services.add_item(queue, payload={"cpr": "0202021234"})
    services.reserve_next(queue, now=now)
    services.release(recent, outcome=Status.DONE, now=now)
    waiting = services.add_item(queue, payload={"cpr": "0303031234"})

    assert services.apply_retention(now=now) == 2
    assert services.apply_retention(now=now) == 0

    erased = WorkItem.objects.get(pk=items[0].pk)
    assert erased.payload == {} and erased.output is None and erased.payload_erased_at == now
    assert erased.status == Status.DONE and erased.finished_at == old
    assert erased.started_at == old and erased.attempts == 1 and erased.reference == "P-0"
    assert queue.items.filter(status=Status.DONE).count() == 3
    for kept in (items[2], recent, waiting):
        assert WorkItem.objects.get(pk=kept.pk).payload["cpr"]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("way", ["reserve_next", "reserve_for_job"])
def test_concurrent_robots_never_get_the_same_item(aarhus, make_deployment, way):
    deployment = make_deployment(aarhus) if way == "reserve_for_job" else None
    with schema_context(aarhus.schema_name):
        queue = services.create_queue(name="Samtidig", deployment=deployment)
        services.add_items_bulk(
            queue, [services.ItemRow(line=n, reference=f"C-{n}") for n in range(200)]
        )
    taken: list[list[int]] = [[] for _ in range(8)]
    failures = []
    start = threading.Barrier(8)

    def robot(n):
        try:
            if way == "reserve_for_job":  # the robot API's way: from the public schema
                job = RunningJob(
                    pk=n,
                    deployment_id=deployment.pk,
                    schema_name=aarhus.schema_name,
                    first_work_item=None,
                )
                start.wait()
                while (item := services.reserve_for_job(job, queue.pk)) is not None:
                    taken[n].append(item.pk)
                return
            with schema_context(aarhus.schema_name):
                start.wait()
                while (item := services.reserve_next(queue)) is not None:
                    taken[n].append(item.pk)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=robot, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    everything = [pk for pks in taken for pk in pks]
    assert len(everything) == 200 and len(set(everything)) == 200
    assert sum(1 for pks in taken if pks) > 1  # they really ran side by side
    with schema_context(aarhus.schema_name):
        assert set(WorkItem.objects.values_list("status", flat=True)) == {"in_progress"}
        assert WorkItemEvent.objects.filter(to_status="in_progress").count() == 200


def test_a_robots_reserve_and_release_work_its_own_queues_from_the_public_schema(
    aarhus, make_deployment, make_runner
):
    """What the robot API calls: no switch to the member's schema, each item handed out once
    (highest priority, then oldest), its history written; a queue of another deployment
    gives nothing; only the run's own item, in progress, is finished in one statement."""
    from robots.models import Job
    from robots.services import jobs

    deployment = make_deployment(aarhus, max_concurrency=2)
    other = make_deployment(aarhus, name="other")
    with schema_context(aarhus.schema_name):
        queue = services.create_queue(name="Robot", deployment=deployment)
        foreign = services.create_queue(name="Foreign", deployment=other)
        services.add_items_bulk(
            queue, [services.ItemRow(line=n, reference=f"R-{n}") for n in range(3)]
        )
        services.add_items_bulk(foreign, [services.ItemRow(line=1, reference="F-1")])
        urgent = services.add_item(queue, reference="urgent", priority=5)
    runner, _ = make_runner(max_concurrency=2)
    jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    job = jobs.claim(runner).job
    jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    second = jobs.claim(runner).job
    connection.set_schema_to_public()

    assert services.reserve_for_job(job, foreign.pk) is None
    taken = []
    while (item := services.reserve_for_job(job, queue.pk)) is not None:
        assert item.status == Status.IN_PROGRESS and item.reserved_by_job == job.pk
        taken.append(item)
    assert [item.reference for item in taken] == ["urgent", "R-0", "R-1", "R-2"]
    assert taken[0].pk == urgent.pk

    # Another run's report, an application error, a repeat: not for the one statement.
    assert services.release_for_job(second, taken[0].pk, outcome=Status.DONE) is None
    assert services.release_for_job(job, taken[0].pk, outcome=Status.APPLICATION_EXCEPTION) is None
    done = services.release_for_job(job, taken[0].pk, outcome=Status.DONE, output={"ok": True})
    assert (
        done.status == Status.DONE and done.outcome == Status.DONE and done.output == {"ok": True}
    )
    assert services.release_for_job(job, taken[0].pk, outcome=Status.DONE) is None
    handed_back = services.release_for_job(
        job, taken[1].pk, outcome=Status.BUSINESS_EXCEPTION, message="CPR mangler"
    )
    assert handed_back.status == Status.BUSINESS_EXCEPTION and handed_back.reason == "CPR mangler"
    assert connection.schema_name == "public"
    with schema_context(aarhus.schema_name):
        assert history(WorkItem.objects.get(pk=taken[0].pk)) == [
            ("", Status.NEW),
            (Status.NEW, Status.IN_PROGRESS),
            (Status.IN_PROGRESS, Status.DONE),
        ]
        assert WorkItem.objects.get(reference="F-1").status == Status.NEW
