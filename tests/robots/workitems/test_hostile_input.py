"""Out-of-range work-item fields and uploads that stop (issue 14, items 2 and 3).

Priorities are 0–1000 and dates 2000–2100 wherever they enter (the form, the API, an upload's
rows); a refused row of an upload is reported by line like any other. An upload can never
stay "running" after its worker died: without progress for 15 minutes it is shown as stalled,
the sweep fails it with a message, and a retry carries on after the rows already added —
nothing lost, nothing twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from robots.monitoring.models import Alert
from robots.workitems.models import Upload, WorkItem
from robots.workitems.services import ItemRow, add_items_bulk, uploads

pytestmark = pytest.mark.django_db


def upload_and_read(queue, name, content, user=None) -> Upload:
    upload = uploads.start_upload(queue, file_name=name, content=content, actor=user)
    return uploads.read_upload(upload.pk)


# --- Bounds on priority and dates --------------------------------------------------------------


def test_an_upload_refuses_out_of_range_priorities_and_dates_by_line(in_aarhus, make_queue):
    queue = make_queue()
    content = (
        b"reference;priority;deadline;defer_until\n"
        b"ok-1;1000;01-12-2026;\n"
        b"big;99999999999999999999;;\n"  # line 3: would overflow the column
        b"negative;-1;;\n"  # line 4
        b"year-1;5;01-01-0001;\n"  # line 5
        b"far;5;;2150-01-01\n"  # line 6
        b"ok-2;0;2099-12-31;2000-01-01\n"
    )

    upload = upload_and_read(queue, "fjendtlig.csv", content)

    assert upload.status == Upload.Status.DONE
    assert (upload.rows_valid, upload.rows_invalid) == (2, 4)
    messages = {error["line"]: error["message"] for error in upload.errors}
    assert sorted(messages) == [3, 4, 5, 6]
    for line in (3, 4):
        assert messages[line] == "priority: The priority must be a whole number from 0 to 1000."
    assert "deadline" in messages[5]
    assert messages[6] == "defer_until: The date must be between the years 2000 and 2100."
    assert sorted(WorkItem.objects.values_list("reference", flat=True)) == ["ok-1", "ok-2"]


def test_bulk_rows_out_of_range_are_refused_and_the_others_kept(in_aarhus, make_queue):
    queue = make_queue()
    result = add_items_bulk(queue, [ItemRow(line=1, priority=1001), ItemRow(line=2, priority=3)])
    assert [error["line"] for error in result.errors] == [1]
    assert [item.priority for item in result.items] == [3]


def test_the_api_refuses_out_of_range_priorities_and_dates(
    aarhus, in_aarhus, make_queue, staff, site_client
):
    queue = make_queue()
    client = site_client(aarhus, staff)
    url = f"/api/v1/work-queues/{queue.pk}/items/"

    def post(data):
        return client.post(url, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert post({"priority": 1001}).status_code == 400
    assert post({"priority": -1}).status_code == 400
    assert post({"deadline": "0001-01-01T00:00:00+01:00"}).status_code == 400
    refused = post({"deadline": "1999-12-31T12:00:00+01:00"})
    assert refused.status_code == 400
    assert "between the years 2000 and 2100" in str(refused.json())
    assert post({"defer_until": "2101-01-01T00:00:00Z"}).status_code == 400
    assert post([{"priority": 5}, {"priority": 5000}]).status_code == 400
    assert not WorkItem.objects.exists()
    created = post({"priority": 1000, "deadline": "2100-12-31T12:00:00+01:00"})
    assert created.status_code == 201, created.content
    assert created.json()["priority"] == 1000
    # The queue's page and API keep working.
    assert client.get(url).status_code == 200
    assert client.get(f"/queues/{queue.pk}/").status_code == 200


def test_the_item_form_refuses_out_of_range_priorities_and_dates(
    aarhus, in_aarhus, make_queue, staff, site_client
):
    queue = make_queue()
    client = site_client(aarhus, staff)
    url = f"/queues/{queue.pk}/items/"
    data = {"reference": "x", "priority": "0", "payload": "{}", "deadline": "01-01-0001"}
    refused = client.post(url, data, HTTP_ACCEPT_LANGUAGE="da")
    assert refused.status_code == 400
    assert "Datoen skal ligge mellem årene 2000 og 2100." in refused.content.decode()
    refused = client.post(url, data | {"deadline": "", "priority": "1001"})
    assert refused.status_code == 400
    assert "priority" in refused.context["item_form"].errors
    assert not WorkItem.objects.exists()


# --- Uploads that stall, fail and are retried --------------------------------------------------


CSV = "reference;beløb\n" + "".join(f"R-{n};{n}\n" for n in range(1, 6))


def died_after_first_rows(queue, staff, *, minutes_ago):
    """The state a worker leaves when it dies after its first batch (rows 1–2): those
    rows' items committed together with the progress, the upload still "running"."""
    upload = uploads.start_upload(queue, file_name="stor.csv", content=CSV.encode(), actor=staff)
    rows = [ItemRow(line=line, reference=f"R-{line - 1}") for line in (2, 3)]
    added = add_items_bulk(queue, rows, actor=staff)
    assert len(added.items) == 2
    Upload.objects.filter(pk=upload.pk).update(
        status=Upload.Status.RUNNING,
        rows_total=5,
        rows_done=2,
        rows_valid=2,
        progress_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    return Upload.objects.get(pk=upload.pk)


def test_an_upload_without_progress_for_15_minutes_shows_as_stalled_with_a_retry_button(
    aarhus, in_aarhus, make_queue, staff, site_client
):
    queue = make_queue()
    fresh = died_after_first_rows(queue, staff, minutes_ago=5)
    assert not fresh.stalled and not fresh.can_retry
    page = site_client(aarhus, staff).get(f"/queues/uploads/{fresh.pk}/")
    assert 'data-testid="upload-stalled"' not in page.content.decode()
    assert 'data-testid="upload-retry"' not in page.content.decode()

    Upload.objects.filter(pk=fresh.pk).update(progress_at=timezone.now() - timedelta(minutes=16))
    page = site_client(aarhus, staff).get(f"/queues/uploads/{fresh.pk}/", HTTP_ACCEPT_LANGUAGE="da")
    html = page.content.decode()
    assert "Gået i stå: intet fremskridt i 15 minutter" in html
    assert 'data-testid="upload-retry"' in html


def test_the_sweep_fails_a_stalled_upload_and_a_retry_reads_the_rest_once(
    aarhus, in_aarhus, make_queue, staff, site_client
):
    queue = make_queue()
    upload = died_after_first_rows(queue, staff, minutes_ago=20)

    assert uploads.read_waiting_uploads() == 0
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED and upload.retryable
    assert "no progress for 15 minutes after 2 of 5 rows" in upload.failure
    assert bytes(Upload.objects.get(pk=upload.pk).content) == CSV.encode()  # kept for a retry

    response = site_client(aarhus, staff).post(f"/queues/uploads/{upload.pk}/retry/")
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PENDING and upload.failure == ""
    # The task queued on commit; run here as the worker would.
    upload = uploads.read_upload(upload.pk)

    assert upload.status == Upload.Status.DONE
    assert (upload.rows_done, upload.rows_valid, upload.rows_invalid) == (5, 5, 0)
    references = list(WorkItem.objects.order_by("reference").values_list("reference", flat=True))
    assert references == ["R-1", "R-2", "R-3", "R-4", "R-5"]  # nothing lost, nothing twice


def test_a_slow_worker_that_wakes_after_the_sweep_adds_nothing(in_aarhus, make_queue, staff):
    queue = make_queue()
    upload = died_after_first_rows(queue, staff, minutes_ago=20)
    uploads.read_waiting_uploads()
    # The "dead" worker's next batch: refused, the upload was failed meanwhile.
    rows = [(4, ItemRow(line=4, reference="R-3"))]
    assert uploads._add_upload_batch(upload, rows) is False
    assert WorkItem.objects.count() == 2


def test_a_finished_upload_cannot_be_retried(aarhus, in_aarhus, make_queue, staff, site_client):
    queue = make_queue()
    upload = upload_and_read(queue, "lille.csv", b"reference\nA\n", staff)
    assert upload.status == Upload.Status.DONE and not upload.can_retry
    client = site_client(aarhus, staff)
    response = client.post(f"/queues/uploads/{upload.pk}/retry/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.status == Upload.Status.DONE
    assert WorkItem.objects.count() == 1
    bad = upload_and_read(queue, "tom.csv", b"reference\nA\n", staff)
    Upload.objects.filter(pk=bad.pk).update(status=Upload.Status.FAILED, retryable=False)
    client.post(f"/queues/uploads/{bad.pk}/retry/")
    assert Upload.objects.get(pk=bad.pk).status == Upload.Status.FAILED


def test_an_upload_that_breaks_the_reading_fails_retryably_and_is_alerted(
    aarhus, in_aarhus, make_queue, staff
):
    queue = make_queue()
    upload = uploads.start_upload(queue, file_name="x.csv", content=b"reference\nA\n", actor=staff)
    # The queue's schema, broken in the database past the form's check: reading fails on
    # our side, not the file's.
    from robots.workitems.models import WorkQueue

    WorkQueue.objects.filter(pk=queue.pk).update(payload_schema={"type": 12})

    upload = uploads.read_upload(upload.pk)

    assert upload.status == Upload.Status.FAILED and upload.retryable
    assert "because of an error on our side" in upload.failure
    alert = Alert.objects.get(kind=Alert.Kind.TASK_FAILED)
    assert alert.organisation == aarhus
    assert (alert.subject_type, alert.subject_id) == ("upload", upload.pk)
    WorkQueue.objects.filter(pk=queue.pk).update(payload_schema=None)  # fixed
    uploads.retry_upload(upload, actor=staff)
    assert uploads.read_upload(upload.pk).status == Upload.Status.DONE
    assert WorkItem.objects.count() == 1


# --- The same bound on every other date people type -------------------------------------------


def _form_fields():
    from billing.forms import RateCardForm, TimeEntryForm
    from governance.forms import ReviewForm
    from robots.credentials.forms import CredentialForm

    return [
        RateCardForm.base_fields["valid_from"],
        RateCardForm.base_fields["valid_to"],
        TimeEntryForm.base_fields["work_date"],
        ReviewForm.base_fields["next_review_due"],
        CredentialForm.base_fields["expires_on"],
    ]


def _serializer_fields():
    from governance.serializers import GovernanceRecordSerializer, ReviewedSerializer
    from robots.credentials.serializers import CredentialSerializer

    return [
        GovernanceRecordSerializer().fields["review_due"],
        ReviewedSerializer().fields["next_review_due"],
        CredentialSerializer().fields["expires_on"],
    ]


def test_every_date_people_type_is_bounded_to_2000_2100():
    from django.core.exceptions import ValidationError
    from rest_framework.exceptions import ValidationError as APIValidationError

    for field in _form_fields():
        assert field.clean("2030-06-01")
        for wrong in ("0001-01-01", "1999-12-31", "2101-01-01"):
            with pytest.raises(ValidationError):
                field.clean(wrong)
    for field in _serializer_fields():
        assert field.run_validation("2030-06-01")
        for wrong in ("0001-01-01", "2101-01-01"):
            with pytest.raises(APIValidationError):
                field.run_validation(wrong)
