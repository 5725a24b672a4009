"""From Danish Excel to the robot and back, in the browser: a staff member uploads what Excel
saves as "CSV (semikolonsepareret)" (Windows-1252, Danish column names and dates), sees the
refused rows by line, then handles the cases the robot handed back: resolves two in bulk and
sends one back to the robot with a corrected field, through a form."""

from urllib.parse import urlsplit

import pytest
from django_tenants.utils import schema_context

from robots.workitems import services
from robots.workitems.models import Upload, WorkItem
from tenants.models import Role
from tests.e2e.conftest import sign_in
from tests.e2e.test_manual_handling import htmx_is_served

# The real Celery worker of tests/test_worker.py, for the upload task.
from tests.test_worker import worker, worker_process  # noqa: F401

pytestmark = pytest.mark.browser
Status = WorkItem.Status

DANISH_EXCEL_CSV = (
    "Reference;lejemål;Lejer;Prioritet;Frist\r\n"
    "Æ-1;12-101;Søren Ærø;5;24.12.2030\r\n"
    "Æ-2;;Åse Øster;1;\r\n"  # line 3: no lejemål
    "Æ-3;12-103;Bjørn;1;\r\n"
    "Æ-4;12-104;Mette;høj;\r\n"  # line 5: priority not a whole number
    "Æ-5;12-105;Jens;1;31-12-2030\r\n"
).encode("cp1252")


def test_danish_excel_upload_then_bulk_resolve_and_resubmit(
    worker,  # noqa: F811
    page,
    site_url,
    aarhus,
    make_user,
):
    htmx_is_served()
    staff = make_user("sagsbehandler@aarhus.dk", aarhus, Role.MEMBER)
    with schema_context(aarhus.schema_name):
        queue = services.create_queue(
            name="Lejetilbud",
            unique_reference=True,
            payload_schema={"type": "object", "required": ["lejemål"]},
        )

    sign_in(page, site_url(aarhus, "/accounts/login/"), staff.email)
    page.goto(site_url(aarhus, f"/queues/{queue.pk}/"))
    form = page.locator("[data-testid=upload-form]")
    form.locator("input[name=file]").set_input_files(
        {"name": "lejetilbud.csv", "mimeType": "text/csv", "buffer": DANISH_EXCEL_CSV}
    )
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path.startswith("/queues/uploads/")
    done = page.locator("[data-testid=upload-progress][data-status=done]")
    done.wait_for(timeout=90_000)
    refused = done.locator("[data-testid=upload-errors] tbody tr")
    lines = [refused.nth(index).locator("td").first.inner_text() for index in range(2)]
    assert refused.count() == 2 and lines == ["3", "5"]
    assert "lejemål" in refused.nth(0).inner_text()

    with schema_context(aarhus.schema_name):
        upload = Upload.objects.defer("content").get()
        assert (upload.rows_valid, upload.rows_invalid) == (3, 2)
        first = WorkItem.objects.get(reference="Æ-1")
        assert first.payload == {"lejemål": "12-101", "Lejer": "Søren Ærø"}
        assert first.priority == 5 and first.deadline.year == 2030
        # The robot takes the three and hands them back: tenants it cannot find.
        for _ in range(3):
            item = services.reserve_next(queue)
            services.release(
                item, outcome=Status.BUSINESS_EXCEPTION, message="Lejer findes ikke i EG Bolig"
            )
        ids = dict(WorkItem.objects.values_list("reference", "pk"))

    # Two resolved in bulk from the manual handling list.
    page.goto(site_url(aarhus, "/manual/"))
    for reference in ("Æ-3", "Æ-5"):
        checkbox = page.locator(f"input[name=items][value='{ids[reference]}']")
        checkbox.click()
        assert checkbox.is_checked()
    bulk = page.locator("[data-testid=bulk-form]")
    bulk.locator("select[name=action]").select_option("resolve")
    bulk.locator("input[name=note]").fill("Lejer oprettet i hånden")
    with page.expect_navigation():
        bulk.locator("button[type=submit]").last.click()
    rows = page.locator("[data-testid=manual-table] tbody tr[data-item]")
    assert rows.count() == 1 and rows.first.get_attribute("data-item") == str(ids["Æ-1"])
    # Its status as a badge: a colour and the status in words.
    badge = rows.first.locator(".rk-status")
    assert badge.get_attribute("data-status") == Status.BUSINESS_EXCEPTION
    assert badge.inner_text().strip()

    # The third sent back to the robot with the tenant's name corrected, field by field.
    rows.first.locator("td a").first.click()
    page.wait_for_load_state()
    resubmit = page.locator("[data-testid=resubmit-form]")
    assert resubmit.get_by_label("Lejer").input_value() == "Søren Ærø"
    resubmit.get_by_label("Lejer").fill("Søren Ærø Hansen")
    resubmit.locator("button[name=resubmit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=item-status]").get_attribute("data-status") == Status.NEW
    assert "Søren Ærø Hansen" in page.locator("[data-testid=item-payload]").inner_text()

    with schema_context(aarhus.schema_name):
        statuses = dict(WorkItem.objects.values_list("reference", "status"))
        assert statuses == {"Æ-1": Status.NEW, "Æ-3": Status.RESOLVED, "Æ-5": Status.RESOLVED}
        assert WorkItem.objects.get(reference="Æ-1").payload == {
            "lejemål": "12-101",
            "Lejer": "Søren Ærø Hansen",
        }
