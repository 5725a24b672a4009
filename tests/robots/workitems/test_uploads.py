"""Items from CSV and XLSX files: valid rows kept, invalid ones reported by line, a file that
cannot be read refused before anything changes."""

import io
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import Workbook

from robots.workitems.models import Upload, WorkItem
from robots.workitems.services import uploads
from tests.conftest import broker_unreachable

pytestmark = pytest.mark.django_db

SCHEMA = {
    "type": "object",
    "properties": {"lejemål": {"type": "string"}, "husleje": {"type": "integer"}},
    "required": ["lejemål"],
}


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload_and_read(queue, name, content, user=None) -> Upload:
    upload = uploads.start_upload(queue, file_name=name, content=content, actor=user)
    return uploads.read_upload(upload.pk)


def test_a_csv_keeps_the_valid_rows_and_reports_the_invalid_ones_by_line(
    in_aarhus, make_queue, staff
):
    queue = make_queue(payload_schema=SCHEMA, unique_reference=True)
    content = (
        "\ufeffreference;lejemål;husleje;priority;deadline\n"  # BOM, semicolons
        "L-1;12-101;6500;2;01-12-2026\n"
        "L-2;;7000;;\n"  # line 3: lejemål missing
        "L-3;12-103;mange;;\n"  # line 4: husleje not a number
        "\n"
        "L-4;12-104;7100;høj;\n"  # line 6: priority not a number
        'L-5;"12-105\nkælder";7200;;2026-12-24\n'  # a quoted line break: lines 7-8
        "L-1;12-106;7300;;\n"  # line 9: reference again
        "L-6;12-107;7400;;31-02-2026\n"  # line 10: no such date
    ).encode()

    upload = upload_and_read(queue, "lejemaal.csv", content, staff)

    assert upload.status == Upload.Status.DONE
    assert (upload.rows_total, upload.rows_done) == (7, 7)
    assert (upload.rows_valid, upload.rows_invalid) == (2, 5)
    assert [error["line"] for error in upload.errors] == [3, 4, 6, 9, 10]
    messages = {error["line"]: error["message"] for error in upload.errors}
    assert messages[3] == "lejemål: This field is required."
    assert messages[4] == "husleje: Must be of type integer."
    assert messages[6] == "priority: must be a whole number"
    assert messages[9] == "The reference L-1 is already in the queue."
    assert "deadline" in messages[10]
    first = WorkItem.objects.get(reference="L-1")
    assert first.payload == {"lejemål": "12-101", "husleje": 6500} and first.priority == 2
    assert timezone.localtime(first.deadline).date() == date(2026, 12, 1)
    assert WorkItem.objects.get(reference="L-5").payload["lejemål"] == "12-105\nkælder"
    assert first.events.get().actor == staff
    assert bytes(Upload.objects.get().content) == b""  # the file is not kept


def test_what_danish_excel_writes_by_default_is_read_with_danish_column_names(
    in_aarhus, make_queue
):
    """Excel's "CSV (semikolonsepareret)": Windows-1252, semicolons, CRLF, Danish headers and
    dates; the item's own columns by their Danish names, whatever their case."""
    queue = make_queue(payload_schema=SCHEMA)
    content = (
        "Reference;lejemål;husleje;Prioritet;Frist;Udskyd til\r\n"
        "Æ-1;12-101;6500;7;24.12.2026;01-12-2026 08:30\r\n"
        "Ø-2;Søndergade 3;7000;høj;;\r\n"
    ).encode("cp1252")
    upload = upload_and_read(queue, "lejemål.csv", content)
    assert upload.rows_valid == 1
    assert [(error["line"], error["message"]) for error in upload.errors] == [
        (3, "Prioritet: must be a whole number")  # the column as the file names it
    ]
    item = WorkItem.objects.get()
    assert item.reference == "Æ-1" and item.priority == 7
    assert item.payload == {"lejemål": "12-101", "husleje": 6500}
    assert timezone.localtime(item.deadline).date() == date(2026, 12, 24)
    assert timezone.localtime(item.defer_until) == timezone.make_aware(datetime(2026, 12, 1, 8, 30))


def test_a_comma_separated_file_without_bom_works(in_aarhus, make_queue):
    queue = make_queue()
    upload = upload_and_read(queue, "x.csv", b"navn,alder\nAnna,41\nBo,39\n")
    assert upload.rows_valid == 2 and upload.errors == []
    assert sorted(WorkItem.objects.values_list("payload", flat=True), key=str) == [
        {"navn": "Anna", "alder": "41"},
        {"navn": "Bo", "alder": "39"},
    ]


def test_an_xlsx_workbook_becomes_items(in_aarhus, make_queue):
    queue = make_queue(payload_schema=SCHEMA)
    content = xlsx(
        [
            ["reference", "lejemål", "husleje", "defer_until", "indflytning"],
            ["X-1", "7-1", 5000, datetime(2026, 12, 1, 8, 0), date(2027, 1, 1)],
            ["X-2", None, 5100, None, None],
            ["X-3", "7-3", "5200", None, None],
        ]
    )

    upload = upload_and_read(queue, "Lejemål.xlsx", content)

    assert (upload.rows_valid, upload.rows_invalid) == (2, 1)
    assert upload.errors == [{"line": 3, "message": "lejemål: This field is required."}]
    item = WorkItem.objects.get(reference="X-1")
    assert item.payload == {"lejemål": "7-1", "husleje": 5000, "indflytning": "2027-01-01"}
    assert timezone.localtime(item.defer_until).hour == 8
    assert WorkItem.objects.get(reference="X-3").payload["husleje"] == 5200


def test_ten_thousand_rows(in_aarhus, make_queue):
    queue = make_queue(unique_reference=True)
    lines = ["reference;beløb"] + [f"R-{n};{n}" for n in range(10_000)]
    lines.append("R-17;dublet")

    upload = upload_and_read(queue, "stor.csv", "\n".join(lines).encode())

    assert upload.status == Upload.Status.DONE and upload.rows_total == 10_001
    assert (upload.rows_valid, upload.rows_invalid) == (10_000, 1)
    assert upload.errors == [
        {"line": 10_002, "message": "The reference R-17 is already in the queue."}
    ]
    assert queue.items.count() == 10_000


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("items.pdf", b"%PDF-1.7", "Upload a CSV file (.csv) or an Excel workbook (.xlsx)."),
        # Neither UTF-8 nor Windows-1252 (0x81 is unassigned there).
        ("items.csv", b"navn;by\n\x81\x8d;x\n", "The file is neither UTF-8 nor Windows-1252"),
        ("items.csv", b"", "The file is empty."),
        ("items.csv", b"\n\n;;\n", "The file has no header row."),
        ("items.csv", b"navn;;by\nA;B;C\n", "Every column in the header row must have a name."),
        ("items.csv", b"navn;Navn\nA;B\n", "The header names a column twice: navn."),
        ("items.xlsx", b"navn;by\n", "The file is not a valid XLSX workbook."),
        ("items.xlsx", b"PK\x03\x04broken", "The file is not a valid XLSX workbook."),
        ("items.csv", b"PK\x03\x04", "Upload a CSV file (.csv) or an Excel workbook (.xlsx)."),
    ],
)
def test_a_malformed_file_is_refused_and_nothing_changes(
    in_aarhus, make_queue, name, content, message
):
    queue = make_queue()
    with pytest.raises(ValidationError) as refused:
        uploads.start_upload(queue, file_name=name, content=content, actor=None)
    assert refused.value.messages[0].startswith(message)
    assert not Upload.objects.exists() and not WorkItem.objects.exists()


@pytest.mark.parametrize("name", ["items.csv", "items.xlsx"])
def test_a_sheet_of_a_million_blank_rows_is_refused_without_reading_it(in_aarhus, make_queue, name):
    queue = make_queue()
    if name.endswith(".csv"):
        content = b"\n" * 1_000_000 + b"navn\nA\n"
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.cell(row=1_000_001, column=1, value="navn")
        sheet.cell(row=1_000_002, column=1, value="A")
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    with pytest.raises(ValidationError) as refused:
        uploads.start_upload(queue, file_name=name, content=content, actor=None)
    assert refused.value.messages == ["The header row must be among the first 100 rows."]
    assert not Upload.objects.exists() and not queue.items.exists()


def test_a_header_below_a_few_blank_rows_is_found(in_aarhus, make_queue):
    queue = make_queue()
    upload = upload_and_read(queue, "items.csv", b"\n" * 99 + b"reference\nR-1\n")
    assert upload.status == Upload.Status.DONE and queue.items.count() == 1


def test_a_file_above_the_limit_is_refused(in_aarhus, make_queue, settings):
    settings.WORK_ITEM_UPLOAD_MAX_BYTES = 1024
    queue = make_queue()
    with pytest.raises(ValidationError) as refused:
        uploads.start_upload(
            queue, file_name="x.csv", content=b"navn\n" + b"x\n" * 1000, actor=None
        )
    assert refused.value.messages == ["The file is 2.0\xa0KB; at most 1.0\xa0KB can be uploaded."]
    assert not Upload.objects.exists()


def test_reading_an_upload_twice_adds_its_items_once(in_aarhus, make_queue):
    queue = make_queue()
    upload = uploads.start_upload(queue, file_name="x.csv", content=b"a\n1\n2\n", actor=None)
    uploads.read_upload(upload.pk)
    again = uploads.read_upload(upload.pk)
    assert again.rows_valid == 2 and queue.items.count() == 2


@pytest.mark.integration
def test_an_upload_sent_while_the_broker_is_down_is_kept_and_read_later(
    in_aarhus, make_queue, django_capture_on_commit_callbacks
):
    queue = make_queue()
    content = b"reference;lejemaal\nA-1;12\nA-2;13\n"
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        upload = uploads.start_upload(queue, file_name="svar.csv", content=content, actor=None)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PENDING  # kept; its task never reached a worker
    assert uploads.read_waiting_uploads() == 0  # it may still be on its way
    later = timezone.now() + timedelta(minutes=3)
    assert uploads.read_waiting_uploads(now=later) == 1
    upload.refresh_from_db()
    assert (upload.status, upload.rows_valid) == (Upload.Status.DONE, 2)
    assert sorted(queue.items.values_list("reference", flat=True)) == ["A-1", "A-2"]
    assert uploads.read_waiting_uploads(now=later) == 0
