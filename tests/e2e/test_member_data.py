# ruff: noqa: F811
"""A member's administrator exports the member's data in the browser: requests the export,
watches the progress bar while a real Celery worker builds the archive, and downloads it; the
checksum shown is the archive's."""

import hashlib
import zipfile
from pathlib import Path

import pytest

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
