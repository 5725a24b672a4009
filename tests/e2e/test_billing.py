# ruff: noqa: F811
"""Finance closes a month in the browser: previews the invoices, closes the period (after
confirming what will happen) while a real Celery worker runs the close and the page's
progress bar follows it, then downloads the numbered invoices as a PDF zip and the tables
as XLSX."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from billing import services
from billing.models import Invoice, Period
from tenants.models import Role
from tests.billing.test_example_partnership import MARCH, make_pools, partnership  # noqa: F401
from tests.e2e.conftest import sign_in
from tests.e2e.test_manual_handling import htmx_is_served

# The real Celery worker of tests/test_worker.py, for the close task.
from tests.test_worker import worker, worker_process  # noqa: F401

pytestmark = pytest.mark.browser


def downloaded(page, selector: str) -> tuple[str, bytes]:
    """Click a download link; the file's suggested name and its content."""
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    with open(download.path(), "rb") as file:
        return download.suggested_filename, file.read()


def test_finance_closes_a_month_and_downloads_its_invoices(
    worker, page, site_url, office, partnership, make_user
):
    htmx_is_served()
    make_user("okonomi@robotkontor.dk", office, Role.FINANCE)
    period = services.get_period(MARCH)
    make_pools(period, *partnership)

    sign_in(page, site_url(office, "/accounts/login/"), "okonomi@robotkontor.dk")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    page.goto(site_url(office, f"/billing/periods/{period.pk}/"))
    assert page.locator("[data-testid=pools] tr[data-pool]").count() == 3
    assert page.locator("[data-testid=downloads]").count() == 0

    page.click("form[action$='/preview/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=preview-changes] tbody tr").count() == 3
    assert page.locator("section[data-invoice]").count() == 3

    # Closing asks first, naming what will happen; cancelling changes nothing.
    page.click("form[action$='/close/'] button[type=submit]")
    dialog = page.get_by_role("dialog")
    assert "3 invoices (as at the last preview) will be numbered" in dialog.inner_text()
    assert "2025-03" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    assert not dialog.is_visible()
    assert Period.objects.get(pk=period.pk).progress == 0
    page.click("form[action$='/close/'] button[type=submit]")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Close the period").click()
    assert page.locator("#close-progress progress").is_visible()
    # htmx polls the progress bar; the page itself is not reloaded while the worker closes.
    page.evaluate("window.notReloaded = true")
    page.locator("#close-progress[data-progress='100']").wait_for(timeout=30_000)
    assert page.evaluate("window.notReloaded") is True
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED

    page.reload()
    assert page.locator("[data-testid=period-status]").get_attribute("data-status") == "closed"
    numbers = {
        invoice.organisation.name: invoice.number
        for invoice in Invoice.objects.filter(period=period).select_related("organisation")
    }
    assert sorted(numbers.values()) == [1, 2, 3]
    for name, number in numbers.items():
        heading = page.locator("section[data-invoice] h3", has_text=name).inner_text()
        assert f"no. {number}" in heading
    assert page.locator("section[data-invoice] [data-download=invoice-pdf]").count() == 3

    filename, content = downloaded(page, "[data-download=pdf-zip]")
    assert filename == "fakturaer-2025-03.zip"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == ["faktura-1.pdf", "faktura-2.pdf", "faktura-3.pdf"]
        assert archive.read("faktura-1.pdf").startswith(b"%PDF")

    filename, content = downloaded(page, "[data-download=xlsx]")
    assert filename == "afregning-2025-03.xlsx"
    sheet = load_workbook(io.BytesIO(content))["Fakturaer"]
    rows = {row[0]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows == {number: name for name, number in numbers.items()}
