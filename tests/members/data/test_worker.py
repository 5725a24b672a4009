# ruff: noqa: F811
"""Export and erasure run by a real Celery worker: the page's request builds the archive in
the background (its progress stored for the page), and the office's erasure drops the
member's schema and signs the receipt."""

import hashlib
import zipfile

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from core.tasks import enqueue_in_schema
from members.data import services as data
from members.data import tasks
from members.models import ErasureReceipt, MemberExport
from robots.workitems.models import WorkItem
from tests.members.data.shared_folders import _same_folders, shared_folders  # noqa: F401
from tests.test_worker import worker, worker_process  # noqa: F401  (the module's worker)

pytestmark = [pytest.mark.worker, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def status_of(export_id: int) -> str:
    return MemberExport.objects.get(pk=export_id).status


def test_the_worker_builds_the_export_and_then_erases_the_member(
    worker, leaver, office, office_admin
):
    with transaction.atomic():
        export = data.request_export(
            actor=leaver.admin, site=leaver.organisation, organisation=leaver.organisation
        )
        enqueue_in_schema(tasks.build_export, "public", export.pk)

    worker.wait_for(lambda: status_of(export.pk) in ("ready", "failed"))
    export.refresh_from_db()
    assert export.status == "ready", export.progress_message
    path = data.export_path(export)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == export.sha256
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert any(name.startswith("files/workitems/") for name in archive.namelist())
    data.record_download(export=export, actor=leaver.admin)

    with transaction.atomic():
        receipt = data.start_erasure(
            actor=office_admin, site=office, organisation=leaver.organisation, confirm="bolig"
        )
        enqueue_in_schema(tasks.erase_member, "public", receipt.pk)

    worker.wait_for(
        lambda: ErasureReceipt.objects.get(pk=receipt.pk).status == ErasureReceipt.Status.DONE
    )
    receipt.refresh_from_db()
    assert data.verify(data.receipt_document(receipt))
    assert receipt.payload["export"]["sha256"] == export.sha256
    with schema_context(leaver.organisation.schema_name):
        assert not WorkItem.objects.exists()


def test_a_second_run_of_a_finished_task_changes_nothing(worker, leaver):
    with transaction.atomic():
        export = data.request_export(
            actor=leaver.admin, site=leaver.organisation, organisation=leaver.organisation
        )
        enqueue_in_schema(tasks.build_export, "public", export.pk)
    worker.wait_for(lambda: status_of(export.pk) == "ready")
    export.refresh_from_db()
    start = len(worker.log())
    with transaction.atomic():
        enqueue_in_schema(tasks.build_export, "public", export.pk)
    worker.wait_for(lambda: "succeeded" in worker.log(start))
    again = MemberExport.objects.get(pk=export.pk)
    assert (again.sha256, again.file_name) == (export.sha256, export.file_name)
