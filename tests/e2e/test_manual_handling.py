"""A member's staff member handles the items a robot handed back, in the browser: filters the
manual handling list to business exceptions, searches a payload field, reads the robot's
reasons, takes one item, corrects its payload and sends it back to the robot, resolves
another and closes the rest in bulk. Then the uploads page: a small malformed CSV is read by
a real Celery worker while the page shows its progress, and the refused rows by line."""

from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.utils import translation
from django_tenants.utils import schema_context

from robots.workitems import services
from robots.workitems.models import Upload, WorkItem
from tenants.models import Role
from tests.e2e.conftest import sign_in

# The real Celery worker of tests/test_worker.py, for the upload task.
from tests.test_worker import worker, worker_process  # noqa: F401

pytestmark = pytest.mark.browser
Status = WorkItem.Status
REASON_MISSING_TENANT = "Lejer findes ikke i EG Bolig"
REASON_NO_AMOUNT = "Beløbet mangler på svaret"


def hand_back(queue, reference, payload, reason, outcome=Status.BUSINESS_EXCEPTION):
    """An item a robot took and handed back (services are the only writers)."""
    item = services.add_item(queue, reference=reference, payload=payload)
    reserved = services.reserve_next(queue)
    assert reserved.pk == item.pk
    return services.release(item, outcome=outcome, message=reason)


def seed(aarhus):
    with schema_context(aarhus.schema_name):
        queue = services.create_queue(
            name="Lejetilbud",
            unique_reference=True,
            max_retries=1,
            payload_schema={"type": "object", "required": ["lejemål"]},
        )
        items = {
            "L-1": hand_back(
                queue, "L-1", {"lejemål": "12-101", "afdeling": "12"}, REASON_MISSING_TENANT
            ),
            "L-2": hand_back(queue, "L-2", {"lejemål": "12-102", "afdeling": "12"}, "Forkert"),
            "L-3": hand_back(queue, "L-3", {"lejemål": "12-103", "afdeling": "12"}, "Dublet"),
            "L-4": hand_back(queue, "L-4", {"lejemål": "12-104", "afdeling": "12"}, "Dublet"),
            # Another department: not found by the search.
            "L-5": hand_back(queue, "L-5", {"lejemål": "13-101", "afdeling": "13"}, "Dublet"),
            # The same department, but an application error: not a business exception.
            "L-6": hand_back(
                queue,
                "L-6",
                {"lejemål": "12-106", "afdeling": "12"},
                "EG Bolig svarer ikke",
                outcome=Status.APPLICATION_EXCEPTION,
            ),
        }
        # Still waiting for the robot: never on the manual handling list.
        items["L-7"] = services.add_item(
            queue, reference="L-7", payload={"lejemål": "12-107", "afdeling": "12"}
        )
    assert items["L-6"].status == Status.APPLICATION_EXCEPTION
    return queue, items


def rows(page):
    return page.locator("[data-testid=manual-table] tbody tr[data-item]")


def shown_items(page) -> dict[str, str]:
    """Reference → status of the rows on the manual handling page."""
    found = {}
    for index in range(rows(page).count()):
        row = rows(page).nth(index)
        found[row.locator("td a").inner_text()] = row.locator("td[data-status]").get_attribute(
            "data-status"
        )
    return found


def filter_list(page, status="", search=""):
    form = page.locator("[data-testid=item-filters]")
    form.locator("select[name=status]").select_option(status)
    form.locator("input[name=q]").fill(search)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def open_item(page, reference):
    page.locator("[data-testid=manual-table] td a", has_text=reference).click()
    page.wait_for_load_state()


def history(item) -> list[tuple[str, str, int | None]]:
    return [(e.from_status, e.to_status, e.actor_id) for e in item.events.order_by("at", "pk")]


def test_staff_handle_business_exceptions_by_hand(page, site_url, aarhus, make_user):
    staff = make_user("sagsbehandler@aarhus.dk", aarhus, Role.MEMBER)
    queue, seeded = seed(aarhus)
    ids = {reference: item.pk for reference, item in seeded.items()}

    sign_in(page, site_url(aarhus, "/accounts/login/"), "sagsbehandler@aarhus.dk")
    page.goto(site_url(aarhus, "/queues/"))
    queue_row = page.locator(f"[data-testid=queue-table] tr[data-queue='{queue.pk}']")
    assert queue_row.locator("[data-count=handed_back]").inner_text() == "6"
    assert queue_row.locator("[data-count=new]").inner_text() == "1"
    queue_row.locator("a").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == f"/queues/{queue.pk}/"

    # The manual handling list: every handed-back item, then only business exceptions of
    # department 12 (a search on a payload field).
    page.click("ul.rk-nav li:has(a[href='/manual/']) .submenu > button")  # its menu section
    page.click("ul.rk-nav a[href='/manual/']")
    page.wait_for_load_state()
    assert set(shown_items(page)) == {"L-1", "L-2", "L-3", "L-4", "L-5", "L-6"}
    filter_list(page, status=Status.BUSINESS_EXCEPTION, search="afdeling=12")
    filtered_url = page.url
    assert shown_items(page) == {
        reference: Status.BUSINESS_EXCEPTION for reference in ("L-1", "L-2", "L-3", "L-4")
    }
    reason = page.locator(f"tr[data-item='{ids['L-1']}'] [data-testid=reason]")
    assert reason.inner_text() == REASON_MISSING_TENANT

    # L-1: take it, correct the payload and send it back to the robot.
    open_item(page, "L-1")
    assert REASON_MISSING_TENANT in page.locator("[data-testid=item-reason]").inner_text()
    page.click("[data-testid=handle-form] button[name=action][value=assign_me]")
    page.wait_for_load_state()
    assert "sagsbehandler" in page.locator("dl.rk-facts").inner_text()
    # A field per payload field, filled in, and one to add a field: no JSON to write.
    resubmit = page.locator("[data-testid=resubmit-form]")
    assert resubmit.get_by_label("lejemål").input_value() == "12-101"
    assert resubmit.locator("textarea").count() == 0
    resubmit.get_by_label("Nyt felt: navn").fill("lejer")
    resubmit.get_by_label("Nyt felt: værdi").fill("Jens Hansen")
    resubmit.locator("input[name=note]").fill("Lejer tilføjet")
    resubmit.locator("button[name=resubmit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=item-status]").get_attribute("data-status") == Status.NEW
    assert page.locator("[data-testid=handle-form]").count() == 0
    assert "Jens Hansen" in page.locator("[data-testid=item-payload]").inner_text()

    # L-2: resolved by hand, with a note.
    page.goto(filtered_url)
    assert set(shown_items(page)) == {"L-2", "L-3", "L-4"}
    open_item(page, "L-2")
    page.fill("[data-testid=handle-form] input[name=note]", "Beløb indtastet manuelt")
    page.click("[data-testid=handle-form] button[name=action][value=resolve]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=item-status]").get_attribute("data-status") == (
        Status.RESOLVED
    )

    # The rest of the filtered list: closed in bulk.
    page.goto(filtered_url)
    assert set(shown_items(page)) == {"L-3", "L-4"}
    for reference in ("L-3", "L-4"):
        page.check(f"#item-{ids[reference]}")
    bulk = page.locator("[data-testid=bulk-form]")
    bulk.locator("select[name=action]").select_option("close")
    bulk.locator("input[name=note]").fill("Dubletter")
    bulk.locator("fieldset button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url == filtered_url  # the filters stay
    assert shown_items(page) == {}
    page.goto(site_url(aarhus, "/manual/"))
    assert shown_items(page) == {"L-5": Status.BUSINESS_EXCEPTION, "L-6": "application_exception"}

    # In the database, inside Aarhus's schema.
    with schema_context(aarhus.schema_name):
        items = {item.reference: item for item in WorkItem.objects.all()}
        expected = {
            "L-1": Status.NEW,
            "L-2": Status.RESOLVED,
            "L-3": Status.CLOSED,
            "L-4": Status.CLOSED,
            "L-5": Status.BUSINESS_EXCEPTION,
            "L-6": Status.APPLICATION_EXCEPTION,
            "L-7": Status.NEW,
        }
        assert {reference: item.status for reference, item in items.items()} == expected

        robot = [
            ("", Status.NEW, None),
            (Status.NEW, Status.IN_PROGRESS, None),
            (Status.IN_PROGRESS, Status.BUSINESS_EXCEPTION, None),
        ]
        first = items["L-1"]
        assert first.payload == {"lejemål": "12-101", "afdeling": "12", "lejer": "Jens Hansen"}
        assert first.assigned_to_id == staff.pk
        assert (first.attempts, first.outcome, first.finished_at) == (0, "", None)
        assert history(first) == [
            *robot,
            (Status.BUSINESS_EXCEPTION, Status.BUSINESS_EXCEPTION, staff.pk),
            (Status.BUSINESS_EXCEPTION, Status.NEW, staff.pk),
        ]
        events = list(first.events.order_by("at", "pk"))
        assert events[2].message == REASON_MISSING_TENANT
        with translation.override("da"):  # the staff member's language
            assigned = translation.gettext("Assigned to %(user)s") % {"user": staff}
            resubmitted = translation.gettext("Resubmitted with an edited payload")
        assert events[3].message == assigned
        assert events[4].message == f"{resubmitted}: Lejer tilføjet"

        second = items["L-2"]
        assert second.finished_at is not None and second.assigned_to_id is None
        assert history(second) == [
            *robot,
            (Status.BUSINESS_EXCEPTION, Status.RESOLVED, staff.pk),
        ]
        assert second.events.order_by("at", "pk").last().message == "Beløb indtastet manuelt"

        for reference in ("L-3", "L-4"):
            assert history(items[reference]) == [
                *robot,
                (Status.BUSINESS_EXCEPTION, Status.CLOSED, staff.pk),
            ]
            assert items[reference].events.order_by("at", "pk").last().message == "Dubletter"
        for reference in ("L-5", "L-6"):  # not touched by hand
            assert all(actor is None for _from, _to, actor in history(items[reference]))

    # The queue's page shows the new states.
    page.goto(site_url(aarhus, f"/queues/{queue.pk}/"))
    table = page.locator("[data-testid=item-table]")
    shown = {
        reference: table.locator(f"tr[data-item='{pk}'] td[data-status]").get_attribute(
            "data-status"
        )
        for reference, pk in ids.items()
    }
    assert shown == expected
    page.goto(site_url(aarhus, "/queues/"))
    queue_row = page.locator(f"[data-testid=queue-table] tr[data-queue='{queue.pk}']")
    assert queue_row.locator("[data-count=handed_back]").inner_text() == "2"
    assert queue_row.locator("[data-count=new]").inner_text() == "2"


def htmx_is_served() -> None:
    if finders.find("vendor/htmx/htmx.min.js") is None:
        raise RuntimeError("htmx is missing from the static files: run make install (npm ci)")


MALFORMED_CSV = "\n".join(
    [
        "reference;lejemål;priority;deadline",
        "U-1;12-101;1;2030-01-01",
        "U-2;;0;",  # line 3: no lejemål
        "U-3;12-103;høj;",  # line 4: not a whole number
        "U-4;12-104;0;i morgen",  # line 5: not a date
        "U-5;12-105;0;;ekstra",  # line 6: more cells than the header
        "U-6;12-106;2;",
    ]
).encode()


def test_an_upload_shows_its_progress_and_the_refused_rows_by_line(
    worker,  # noqa: F811
    page,
    site_url,
    aarhus,
    make_user,
):
    htmx_is_served()
    make_user("sagsbehandler@aarhus.dk", aarhus, Role.MEMBER)
    with schema_context(aarhus.schema_name):
        queue = services.create_queue(
            name="Lejetilbud",
            unique_reference=True,
            payload_schema={"type": "object", "required": ["lejemål"]},
        )

    sign_in(page, site_url(aarhus, "/accounts/login/"), "sagsbehandler@aarhus.dk")
    page.goto(site_url(aarhus, f"/queues/{queue.pk}/"))
    form = page.locator("[data-testid=upload-form]")
    form.locator("input[name=file]").set_input_files(
        {"name": "lejetilbud.csv", "mimeType": "text/csv", "buffer": MALFORMED_CSV}
    )
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    with schema_context(aarhus.schema_name):
        upload = Upload.objects.defer("content").get()
    assert urlsplit(page.url).path == f"/queues/uploads/{upload.pk}/"
    progress = page.locator("[data-testid=upload-progress]")
    assert progress.locator("progress").is_visible()
    assert progress.get_attribute("data-status") in ("pending", "running", "done")
    assert page.evaluate("typeof htmx") == "object"

    # htmx asks for the progress every second; the page itself is not reloaded.
    page.evaluate("window.notReloaded = true")
    done = page.locator("[data-testid=upload-progress][data-status=done]")
    done.wait_for(timeout=90_000)
    assert page.evaluate("window.notReloaded") is True
    assert done.locator("progress").get_attribute("value") == "100"
    refused = done.locator("[data-testid=upload-errors] tbody tr")
    by_line = {
        refused.nth(index).locator("td").nth(0).inner_text(): refused.nth(index)
        .locator("td")
        .nth(1)
        .inner_text()
        for index in range(refused.count())
    }
    assert sorted(by_line, key=int) == ["3", "4", "5", "6"]
    assert "lejemål" in by_line["3"]
    assert "priority" in by_line["4"]
    assert "deadline" in by_line["5"]
    assert done.locator("a[download]").get_attribute("href") == (
        f"/queues/uploads/{upload.pk}/refused.csv"
    )

    with schema_context(aarhus.schema_name):
        upload = Upload.objects.defer("content").get()
        assert (upload.rows_total, upload.rows_done) == (6, 6)
        assert (upload.rows_valid, upload.rows_invalid) == (2, 4)
        assert [error["line"] for error in upload.errors] == [3, 4, 5, 6]
        assert sorted(WorkItem.objects.values_list("reference", flat=True)) == ["U-1", "U-6"]
