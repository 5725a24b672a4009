# ruff: noqa: F811
"""The whole life of a member, as the office lives it, with a real Celery worker: onboarded
through the API with its agreement, it leaves at the end of March; March's close gives its
final invoice; its data is exported in the background and downloaded (checksum as stated);
then it is erased and the signed receipt names the export it followed. Its people lose
their site, and the office keeps the invoice."""

import hashlib
import io
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing import services as billing
from billing.models import Invoice
from members.data import services as data
from members.models import ErasureReceipt, MemberExport
from tenants.models import Organisation, Role, User
from tests.members.conftest import PDF, join_fields
from tests.members.data.shared_folders import _same_folders, shared_folders  # noqa: F401
from tests.test_worker import worker, worker_process  # noqa: F401  (the module's worker)

pytestmark = [pytest.mark.worker, pytest.mark.integration, pytest.mark.django_db(transaction=True)]
API = "/api/v1/members/"


def test_a_member_joins_leaves_is_exported_and_erased_with_a_signed_receipt(
    worker, office, office_admin, make_user, site_client, rate_card
):
    office_client = site_client(office, office_admin)
    joined = office_client.post(
        API, {**join_fields("vejle", "29189730"), "joined_on": "2025-01-11"}, "application/json"
    )
    assert joined.status_code == 201, joined.content
    vejle = Organisation.objects.get(slug="vejle")
    agreement = office_client.post(
        f"{API}vejle/agreements/",
        {
            "version": "2.1",
            "signed_on": "2025-01-05",
            "document": SimpleUploadedFile("databehandleraftale.pdf", PDF),
        },
    )
    assert agreement.status_code == 201, agreement.content
    admin = make_user("admin@vejle.dk", vejle, Role.MEMBER_ADMIN)
    assert site_client(vejle, admin).get("/").status_code == 200

    left = office_client.post(
        f"{API}vejle/leave/",
        {"left_on": "2025-03-31", "reason": "Fusion", "decision_reference": "KB 12/2025"},
        "application/json",
    )
    assert left.status_code == 201, left.content
    assert left.json()["is_active"] is False, "its last day has passed: the site is closed"
    assert site_client(vejle, admin).get("/").status_code in (403, 404)

    march = billing.get_period(date(2025, 3, 1))
    billing.create_cost_pool(period=march, name="Løn", amount_ore=100_000_00, key="equal")
    billing.close_period_with_progress(march, lambda *_: None)
    final = Invoice.objects.get(period=march, organisation=vejle, kind="invoice")
    assert final.number and final.is_final_settlement

    requested = office_client.post(f"{API}exports/", {"organisation": "vejle"}, "application/json")
    assert requested.status_code == 202, requested.content
    export_id = requested.json()["id"]
    worker.wait_for(lambda: MemberExport.objects.get(pk=export_id).status in ("ready", "failed"))
    export = office_client.get(f"{API}exports/{export_id}/").json()
    assert export["status"] == "ready", export
    download = office_client.get(f"{API}exports/{export_id}/download/")
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == export["sha256"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
    assert "manifest.json" in names
    assert any(name.endswith(".pdf") and str(final.number) in name for name in names), names

    erase = site_client(office, office_admin).post(
        f"/members/{vejle.pk}/erase/", {"confirm": "vejle"}
    )
    assert erase.status_code == 302, erase.content.decode()[:2000]
    worker.wait_for(
        lambda: ErasureReceipt.objects.filter(
            organisation=vejle, status=ErasureReceipt.Status.DONE
        ).exists()
    )
    [receipt] = office_client.get(f"{API}erasure-receipts/").json()["results"]
    assert receipt["organisation"] == "vejle"
    assert receipt["payload"]["export"]["sha256"] == export["sha256"]
    assert data.verify({"payload": receipt["payload"], "signature": receipt["signature"]})
    assert not User.objects.filter(email="admin@vejle.dk").exists(), "its people are erased"
    assert Invoice.objects.filter(pk=final.pk, number=final.number).exists(), "billing keeps it"
