# ruff: noqa: F811
"""A member's administrator exports the member's data in the browser: requests the export,
watches the progress bar while a real Celery worker builds the archive, and downloads it; the
checksum shown is the archive's. An office administrator erases a member that left: the
dialog names the consequence, cancelling changes nothing, and the signed receipt follows."""

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from members.data import services as data
from members.models import ErasureReceipt
from tests.e2e.conftest import sign_in
from tests.e2e.test_manual_handling import htmx_is_served
from tests.members.data.conftest import leaver  # noqa: F401
from tests.members.data.shared_folders import _same_folders, shared_folders  # noqa: F401
from tests.test_worker import worker, worker_process  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_members_admin_requests_an_export_watches_it_finish_and_downloads_it(
    worker, page, site_url, leaver
):
    htmx_is_served()
    sign_in(page, site_url(leaver.organisation, "/accounts/login/"), "admin@bolig.dk")
    page.goto(site_url(leaver.organisation, "/data/"))
    page.click("[data-testid=request-export]")
    page.wait_for_load_state()
    row = page.locator("[data-testid=export]").first
    assert row.get_attribute("data-status") in ("pending", "running", "ready")
    page.evaluate("window.notReloaded = true")
    page.locator("[data-testid=export][data-status=ready]").wait_for(timeout=60_000)
    assert page.evaluate("window.notReloaded") is True

    checksum = page.locator("[data-testid=export-sha256]").inner_text().strip()
    with page.expect_download() as info:
        page.click("[data-testid=export-download]")
    download = info.value
    assert download.suggested_filename.startswith("bolig-export-")
    content = Path(download.path()).read_bytes()
    assert hashlib.sha256(content).hexdigest() == checksum
    with zipfile.ZipFile(download.path()) as archive:
        assert "manifest.json" in archive.namelist()


def test_an_office_admin_erases_a_member_after_confirming_and_gets_the_receipt(
    worker, page, site_url, leaver, office, office_admin
):
    export = data.build_export(
        data.request_export(
            actor=leaver.admin, site=leaver.organisation, organisation=leaver.organisation
        ).pk
    )
    data.record_download(export=export, actor=leaver.admin)
    sign_in(page, site_url(office, "/accounts/login/"), office_admin.email)
    page.goto(site_url(office, f"/members/{leaver.organisation.pk}/data/"))
    page.fill("input[name=confirm]", "bolig")

    page.click("[data-testid=erase]")
    dialog = page.get_by_role("dialog")
    assert "Boligselskabet bolig" in dialog.inner_text()
    assert "kan ikke fortrydes" in dialog.inner_text()
    dialog.get_by_role("button", name="Annullér").click()
    assert not ErasureReceipt.objects.exists()

    page.click("[data-testid=erase]")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Slet medlemmet").click()
    worker.wait_for(lambda: ErasureReceipt.objects.filter(status="done").exists())
    page.reload()
    assert page.locator("[data-testid=erasure-status]").get_attribute("data-status") == "done"
    with page.expect_download() as info:
        page.click("[data-testid=receipt-download]")
    document = json.loads(Path(info.value.path()).read_text())
    assert data.verify(document) and document["payload"]["export"]["sha256"] == export.sha256
