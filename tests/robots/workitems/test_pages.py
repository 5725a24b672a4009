"""The member's pages: queues, items, uploads with progress, manual handling, isolation."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from robots.workitems import services
from robots.workitems.models import Upload, WorkItem, WorkQueue
from robots.workitems.services import uploads
from tenants.models import Role

pytestmark = pytest.mark.django_db

Status = WorkItem.Status


@pytest.fixture
def staff_client(aarhus, staff, site_client):
    return site_client(aarhus, staff)


@pytest.fixture
def queue(aarhus):
    with schema_context(aarhus.schema_name):
        return services.create_queue(
            name="Lejetilbud",
            unique_reference=True,
            payload_schema={"type": "object", "required": ["lejemål"]},
        )


def in_schema(organisation, function, *args, **kwargs):
    with schema_context(organisation.schema_name):
        return function(*args, **kwargs)


def hand_back(queue, reference, reason="Lejer findes ikke i EG Bolig", payload=None):
    item = services.add_item(queue, reference=reference, payload=payload or {"lejemål": "1"})
    services.reserve_next(queue)
    return services.release(item, outcome=Status.BUSINESS_EXCEPTION, message=reason)


def test_member_admins_create_queues_and_staff_may_not(aarhus, admin, staff_client, site_client):
    assert staff_client.get("/queues/new/").status_code == 403
    admin_client = site_client(aarhus, admin)
    response = admin_client.post(
        "/queues/new/",
        {
            "name": "Boligstøtte",
            "max_retries": "3",
            "retry_delay_seconds": "60",
            "abandon_after_minutes": "30",
            "retention_days": "90",
            "payload_schema": '{"type": "objekt"}',
        },
    )
    assert response.status_code == 400
    assert "payload_schema" in response.context["form"].errors
    response = admin_client.post(
        "/queues/new/",
        {
            "name": "Boligstøtte",
            "max_retries": "3",
            "retry_delay_seconds": "60",
            "abandon_after_minutes": "30",
            "retention_days": "90",
            "unique_reference": "on",
        },
    )
    created = in_schema(aarhus, WorkQueue.objects.get)
    assert response.status_code == 302 and response.url == f"/queues/{created.pk}/"
    assert created.retention_days == 90 and created.unique_reference
    assert created.payload_schema is None


def test_the_queue_page_adds_items_and_shows_a_clear_error_for_a_taken_reference(
    aarhus, queue, staff_client
):
    url = f"/queues/{queue.pk}/items/"
    data = {"reference": "L-1", "priority": "2", "payload": '{"lejemål": "12-101"}'}
    assert staff_client.post(url, data).status_code == 302

    again = staff_client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400
    assert again.context["item_form"].errors["reference"] == [
        "The reference L-1 is already in the queue."
    ]
    wrong = staff_client.post(url, {"reference": "L-2", "priority": "0", "payload": "{}"})
    assert wrong.status_code == 400 and "payload" in wrong.context["item_form"].errors
    page = staff_client.get(f"/queues/{queue.pk}/?status=new")
    assert [item.reference for item in page.context["page"]] == ["L-1"]
    assert in_schema(aarhus, WorkItem.objects.count) == 1


def test_the_queue_page_searches_payload_fields(aarhus, queue, staff_client):
    with schema_context(aarhus.schema_name):
        services.add_item(queue, reference="A", payload={"lejemål": "7-1", "afdeling": 12})
        services.add_item(queue, reference="B", payload={"lejemål": "7-2", "afdeling": 13})
    found = staff_client.get(f"/queues/{queue.pk}/", {"q": "afdeling=13"})
    assert [item.reference for item in found.context["page"]] == ["B"]
    found = staff_client.get(f"/queues/{queue.pk}/", {"q": "lejemål=7-1"})
    assert [item.reference for item in found.context["page"]] == ["A"]
    found = staff_client.get(f"/queues/{queue.pk}/", {"q": "b"})
    assert [item.reference for item in found.context["page"]] == ["B"]


def test_an_upload_shows_its_progress_until_done_and_then_the_refused_lines(
    aarhus, queue, staff_client
):
    content = "reference;lejemål\nU-1;1\nU-2;\nU-3;3\n".encode()

    response = staff_client.post(
        f"/queues/{queue.pk}/upload/",
        {"file": SimpleUploadedFile("items.csv", content)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    upload = in_schema(aarhus, Upload.objects.get)
    assert response.status_code == 302 and response.url == f"/queues/uploads/{upload.pk}/"
    page = staff_client.get(response.url).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'data-status="pending"' in page

    in_schema(aarhus, uploads.read_upload, upload.pk)

    part = staff_client.get(response.url, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    html = part.content.decode()
    assert "<html" not in html and "hx-trigger" not in html
    assert "2 items added, 1 rows refused." in html
    assert "<td>3</td><td>lejemål: This field is required.</td>" in html


def test_a_malformed_upload_is_refused_on_the_page(aarhus, queue, staff_client):

    response = staff_client.post(
        f"/queues/{queue.pk}/upload/",
        {"file": SimpleUploadedFile("items.docx", b"PK\x03\x04")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.context["upload_form"].errors["file"] == [
        "Upload a CSV file (.csv) or an Excel workbook (.xlsx)."
    ]
    assert not in_schema(aarhus, Upload.objects.exists)


def test_staff_see_the_robots_reasons_and_resolve_or_close_in_bulk(
    aarhus, queue, staff, staff_client
):
    with schema_context(aarhus.schema_name):
        items = [hand_back(queue, f"M-{n}", reason=f"Grund {n}") for n in range(3)]
        services.add_item(queue, reference="still-new", payload={"lejemål": "x"})

    page = staff_client.get("/manual/")
    assert {item.reference for item in page.context["page"]} == {"M-0", "M-1", "M-2"}
    assert "Grund 1" in page.content.decode()

    response = staff_client.post(
        "/manual/",
        {"items": [items[0].pk, items[1].pk], "action": "assign", "user": staff.pk},
    )
    assert response.status_code == 302
    mine = staff_client.get("/manual/", {"mine": "on"})
    assert {item.reference for item in mine.context["page"]} == {"M-0", "M-1"}
    staff_client.post(
        "/manual/", {"items": [items[0].pk, items[1].pk], "action": "resolve", "note": "OK"}
    )
    staff_client.post("/manual/", {"items": [items[2].pk], "action": "close"})

    with schema_context(aarhus.schema_name):
        statuses = dict(WorkItem.objects.values_list("reference", "status"))
    assert statuses == {"M-0": "resolved", "M-1": "resolved", "M-2": "closed", "still-new": "new"}
    assert staff_client.get("/manual/").context["page"].paginator.count == 0


def test_bulk_actions_read_back_the_ids_the_page_prints_above_ten_thousand(
    aarhus, queue, staff, staff_client
):
    """The checkboxes' values are what the server reads back: plain digits, never "47.201"."""
    with schema_context(aarhus.schema_name), connection.cursor() as cursor:
        table = WorkItem._meta.db_table
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), 47200)", [table])
        items = [hand_back(queue, f"M-{n}") for n in range(2)]
    assert all(item.pk > 47200 for item in items)

    html = staff_client.get("/manual/").content.decode()
    values = re.findall(r'<input[^>]*name="items" value="([^"]*)"', html)
    assert sorted(values) == sorted(str(item.pk) for item in items)
    for item in items:
        assert f'data-item="{item.pk}"' in html and f"/queues/items/{item.pk}/" in html

    response = staff_client.post("/manual/", {"items": values, "action": "close"})
    assert response.status_code == 302
    with schema_context(aarhus.schema_name):
        assert set(WorkItem.objects.values_list("status", flat=True)) == {Status.CLOSED}


def test_a_queue_with_a_schema_resubmits_through_its_fields_and_json_values_stay_typed(
    aarhus, staff_client
):
    schema = {
        "type": "object",
        "properties": {
            "lejemål": {"type": "string", "title": "Lejemål"},
            "rum": {"type": "integer"},
        },
        "required": ["lejemål"],
    }
    with schema_context(aarhus.schema_name):
        typed = services.create_queue(name="Med skema", payload_schema=schema)
        loose = services.create_queue(name="Uden skema")
        first = hand_back(typed, "S-1", payload={"lejemål": "1-1", "rum": 2, "ekstra": "bevares"})
        second = hand_back(loose, "S-2", payload={"antal": 3, "navn": "Å"})
    page = staff_client.get(f"/queues/items/{first.pk}/")
    assert page.context["resubmit_form"].fields["param_lejemål"].label == "Lejemål"
    done = staff_client.post(
        f"/queues/items/{first.pk}/", {"resubmit": "1", "param_lejemål": "1-2", "param_rum": "4"}
    )
    assert done.status_code == 302
    fields = staff_client.get(f"/queues/items/{second.pk}/").context["resubmit_form"].fields
    named = {field.label: name for name, field in fields.items()}
    values = {named["navn"]: "Å", "new_name": "by", "new_value": "Aarhus", "resubmit": "1"}
    not_json = staff_client.post(f"/queues/items/{second.pk}/", {**values, named["antal"]: "tre"})
    assert not_json.status_code == 400
    assert named["antal"] in not_json.context["resubmit_form"].errors
    done = staff_client.post(f"/queues/items/{second.pk}/", {**values, named["antal"]: "4"})
    assert done.status_code == 302
    with schema_context(aarhus.schema_name):
        first.refresh_from_db()
        second.refresh_from_db()
    assert first.payload == {"lejemål": "1-2", "rum": 4, "ekstra": "bevares"}
    assert second.payload == {"antal": 4, "navn": "Å", "by": "Aarhus"}


def test_an_item_is_resubmitted_with_an_edited_payload_and_shows_its_history(
    aarhus, queue, staff_client
):
    with schema_context(aarhus.schema_name):
        item = hand_back(queue, "R-1", payload={"lejemål": "forkert"})
    url = f"/queues/items/{item.pk}/"
    page = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Lejer findes ikke i EG Bolig" in page.content.decode()
    assert len(page.context["history"]) == 3

    # A field for each field of the payload (the queue's schema names none), no JSON box.
    form = page.context["resubmit_form"]
    assert form.fields["field_0"].label == "lejemål" and "payload" not in form.fields
    assert 'name="field_0" value="forkert"' in page.content.decode()
    # Emptied, the field is left out, and the queue's schema refuses the payload.
    refused = staff_client.post(url, {"resubmit": "1", "field_0": "", "new_name": "adresse"})
    assert refused.status_code == 400 and refused.context["resubmit_form"].non_field_errors()
    nameless = staff_client.post(url, {"resubmit": "1", "field_0": "x", "new_value": "y"})
    assert nameless.status_code == 400 and "new_name" in nameless.context["resubmit_form"].errors

    done = staff_client.post(url, {"resubmit": "1", "field_0": "12-101"})
    assert done.status_code == 302
    with schema_context(aarhus.schema_name):
        item.refresh_from_db()
    assert item.status == Status.NEW and item.payload == {"lejemål": "12-101"}
    history = staff_client.get(url).context["history"]
    assert [event.to_status for event in history] == [
        "new",
        "in_progress",
        "business_exception",
        "new",
    ]


def test_another_members_staff_cannot_see_or_touch_the_items(
    aarhus, odense, queue, odense_staff, site_client
):
    with schema_context(aarhus.schema_name):
        item = hand_back(queue, "SECRET-1")
        for n in range(5):
            services.add_item(queue, reference=f"pad-{n}", payload={"lejemål": "1"})
        services.add_item(queue, reference="SECRET-2", payload={"lejemål": "2"})
        last = WorkItem.objects.get(reference="SECRET-2")
    # On Aarhus's site: not a member.
    intruder_on_aarhus = site_client(aarhus, odense_staff)
    for url in ("/queues/", f"/queues/{queue.pk}/", "/manual/", f"/queues/items/{item.pk}/"):
        assert intruder_on_aarhus.get(url).status_code == 403
    assert (
        intruder_on_aarhus.post("/manual/", {"items": [item.pk], "action": "close"}).status_code
        == 403
    )
    # On Odense's own site the ids lead nowhere: another schema.
    own_site = site_client(odense, odense_staff)
    assert own_site.get(f"/queues/items/{last.pk}/").status_code == 404
    assert own_site.get(f"/queues/{queue.pk + 1000}/").status_code == 404
    assert own_site.get("/manual/").context["page"].paginator.count == 0
    with schema_context(aarhus.schema_name):
        assert WorkItem.objects.get(pk=item.pk).status == Status.BUSINESS_EXCEPTION


def test_the_office_console_has_no_work_item_pages(office, make_user, site_client):
    operator = make_user("op@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    assert site_client(office, operator).get("/queues/").status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _grow(aarhus, queue, staff, n):
    with schema_context(aarhus.schema_name):
        services.create_queue(name=f"Ekstra {WorkQueue.objects.count()}")
        for i in range(n):
            item = hand_back(queue, f"G-{WorkItem.objects.count()}-{i}")
            services.assign([item], staff, actor=staff)


@pytest.mark.parametrize(
    "url", ["/queues/", "/queues/{queue}/", "/manual/", "/queues/items/{item}/"]
)
def test_pages_keep_a_constant_query_count(aarhus, queue, staff, staff_client, url):
    _grow(aarhus, queue, staff, 2)
    with schema_context(aarhus.schema_name):
        item = WorkItem.objects.first()
    url = url.format(queue=queue.pk, item=item.pk)
    staff_client.get(url)
    few = _queries(staff_client, url)
    _grow(aarhus, queue, staff, 5)
    assert _queries(staff_client, url) == few


def test_the_queue_list_counts_items_per_status(aarhus, queue, staff_client):
    with schema_context(aarhus.schema_name):
        hand_back(queue, "B-1")
        services.add_item(queue, reference="N-1", payload={"lejemål": "1"})
        services.add_item(queue, reference="N-2", payload={"lejemål": "2"})
        services.create_queue(name="Tom kø")
    queues = {q.name: q for q in staff_client.get("/queues/").context["queues"]}
    counted = queues["Lejetilbud"]
    assert (counted.count_new, counted.count_handed_back, counted.count_total) == (2, 1, 3)
    assert queues["Tom kø"].count_total == 0


def test_the_process_owner_changes_the_settings_of_a_queue(aarhus, queue, make_user, site_client):
    owner = site_client(aarhus, make_user("po@aarhus.dk", aarhus, Role.PROCESS_OWNER))
    url = f"/queues/{queue.pk}/settings/"
    assert owner.get(url).status_code == 200
    response = owner.post(
        url,
        {
            "name": "Lejetilbud",
            "max_retries": "5",
            "retry_delay_seconds": "120",
            "abandon_after_minutes": "45",
            "sla_minutes": "240",
            "payload_schema": "",
        },
    )
    assert response.status_code == 302
    with schema_context(aarhus.schema_name):
        queue.refresh_from_db()
    assert (queue.max_retries, queue.sla_minutes, queue.unique_reference) == (5, 240, False)
    assert queue.payload_schema is None


def test_the_refused_rows_download_as_csv(aarhus, queue, staff_client):
    with schema_context(aarhus.schema_name):
        upload = uploads.start_upload(
            queue, file_name="x.csv", content="reference;lejemål\nA;\n".encode(), actor=None
        )
        uploads.read_upload(upload.pk)
    response = staff_client.get(f"/queues/uploads/{upload.pk}/refused.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8-sig").splitlines()[1] == (
        "2;lejemål: This field is required."
    )


def test_a_file_above_the_limit_is_refused_before_it_is_read(aarhus, queue, staff_client, settings):
    settings.WORK_ITEM_UPLOAD_MAX_BYTES = 1024
    response = staff_client.post(
        f"/queues/{queue.pk}/upload/",
        {"file": SimpleUploadedFile("big.csv", b"navn\n" + b"x\n" * 2000)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.context["upload_form"].errors["file"] == [
        "The file is 3.9\xa0KB; at most 1.0\xa0KB can be uploaded."
    ]
    assert not in_schema(aarhus, Upload.objects.exists)
