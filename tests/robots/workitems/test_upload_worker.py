"""An upload is read by a real Celery worker, inside the member's schema."""

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from robots.workitems import services
from robots.workitems.models import Upload, WorkItem
from robots.workitems.services import uploads

pytestmark = [pytest.mark.worker, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def upload_state(schema_name: str, pk: int) -> Upload:
    with schema_context(schema_name):
        return Upload.objects.defer("content").get(pk=pk)


def test_a_ten_thousand_row_upload_is_read_by_the_worker_in_the_members_schema(
    worker, aarhus, odense
):
    lines = ["reference;lejemål;beløb"]
    lines += [f"R-{n};{n % 97}-{n};{n}" for n in range(10_000)]
    lines[5_001] = "R-5000;;"  # line 5002: no lejemål
    content = "\n".join(lines).encode()
    with schema_context(aarhus.schema_name):
        queue = services.create_queue(
            name="Stor fil", unique_reference=True, payload_schema={"required": ["lejemål"]}
        )
        with transaction.atomic():
            upload = uploads.start_upload(queue, file_name="stor.csv", content=content, actor=None)

    worker.wait_for(
        lambda: upload_state(aarhus.schema_name, upload.pk).status == Upload.Status.DONE,
        timeout=180,
    )

    done = upload_state(aarhus.schema_name, upload.pk)
    assert (done.rows_total, done.rows_done) == (10_000, 10_000)
    assert (done.rows_valid, done.rows_invalid) == (9_999, 1)
    assert done.errors[0]["line"] == 5_002
    with schema_context(aarhus.schema_name):
        assert WorkItem.objects.filter(queue=queue).count() == 9_999
    with schema_context(odense.schema_name):
        assert not WorkItem.objects.exists()
