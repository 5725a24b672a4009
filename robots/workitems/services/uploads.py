"""Uploads of work items: reading CSV and XLSX files, and the upload pipeline (an upload is
checked when it arrives, then read in the background by a task, batch by batch).

Columns become payload fields, except ``reference``, ``priority``, ``deadline`` and
``defer_until`` (in Danish ``reference``, ``prioritet``, ``frist`` and ``udskyd til``), which
set the item's own fields. CSV may be separated by semicolons (as Danish spreadsheets write
it) or commas, UTF-8 with or without a byte order mark, or Windows-1252 (what Danish Excel
writes as "CSV (semikolonsepareret)"). Dates may be written the Danish way. Line
numbers are the file's own (the header is line 1), so a member can find a refused row.
"""

import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from core import audit
from core.tasks import enqueue_in_schema, isolated_row, row_failed
from robots.workitems.models import UPLOAD_STALLED_AFTER, Upload, WorkQueue
from robots.workitems.services.items import ItemRow, add_items_bulk
from tenants.models import Organisation

logger = logging.getLogger(__name__)

ITEM_COLUMNS = ("reference", "priority", "deadline", "defer_until")
# The item's own columns by their Danish names too; names are compared in lower case with
# underscores as spaces ("Udskyd til", "defer_until").
COLUMN_NAMES = {
    "reference": "reference",
    "priority": "priority",
    "prioritet": "priority",
    "deadline": "deadline",
    "frist": "deadline",
    "defer until": "defer_until",
    "udskyd til": "defer_until",
    "ikke før": "defer_until",
}


def item_column(name: str) -> str | None:
    """Which of the item's own fields a column sets, if any."""
    return COLUMN_NAMES.get(" ".join(name.lower().replace("_", " ").split()))


Row = tuple[int, list]  # (line number, cells)


def _format_of(file_name: str, content: bytes) -> str:
    name = file_name.lower()
    is_zip = content[:4] == b"PK\x03\x04"
    if name.endswith(".xlsx"):
        if not is_zip:
            raise ValidationError(_("The file is not a valid XLSX workbook."))
        return Upload.Format.XLSX
    if name.endswith((".csv", ".txt")) and not is_zip:
        return Upload.Format.CSV
    raise ValidationError(_("Upload a CSV file (.csv) or an Excel workbook (.xlsx)."))


def _csv_text(content: bytes) -> str:
    """UTF-8 (with or without a byte order mark), else Windows-1252: what Danish Excel's
    "CSV (semikolonsepareret)" writes."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise ValidationError(
                _(
                    "The file is neither UTF-8 nor Windows-1252 text. Save it as "
                    "“CSV UTF-8” or “CSV (semikolonsepareret)” and upload it again."
                )
            ) from None
    if "\x00" in text:
        raise ValidationError(_("The file is not a text file."))
    return text


def _csv_rows(content: bytes) -> Iterator[Row]:
    text = _csv_text(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        raise ValidationError(
            _("Line %(line)s cannot be read: %(reason)s") % {"line": line, "reason": error}
        ) from None


def _xlsx_rows(content: bytes) -> Iterator[Row]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationError(_("The file is not a valid XLSX workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(cells)
    finally:
        workbook.close()


def rows_of(file_format: str, content: bytes) -> Iterator[Row]:
    return _xlsx_rows(content) if file_format == Upload.Format.XLSX else _csv_rows(content)


def _blank(cells: list) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


# How far the header row is looked for: the request that receives a file reads only this much
# (a sheet of a million blank rows is refused at once, not scanned while a web worker waits).
HEADER_ROWS = 100


def header_of(rows: Iterator[Row]) -> list[str]:
    """The column names from the first non-empty row among the first ``HEADER_ROWS``;
    refused if missing or ambiguous."""
    for seen, (_line, cells) in enumerate(rows, start=1):
        if seen > HEADER_ROWS:
            raise ValidationError(
                _("The header row must be among the first %(rows)s rows.") % {"rows": HEADER_ROWS}
            )
        if _blank(cells):
            continue
        names = [str(cell).strip() if cell is not None else "" for cell in cells]
        while names and not names[-1]:
            names.pop()
        if any(not name for name in names):
            raise ValidationError(_("Every column in the header row must have a name."))
        lowered = [name.lower() for name in names]
        duplicates = sorted({name for name in lowered if lowered.count(name) > 1})
        if duplicates:
            raise ValidationError(
                _("The header names a column twice: %(names)s.") % {"names": ", ".join(duplicates)}
            )
        return names
    raise ValidationError(_("The file has no header row."))


def check_size(size: int) -> None:
    limit = settings.WORK_ITEM_UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s; at most %(limit)s can be uploaded.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def inspect(file_name: str, content: bytes) -> tuple[str, list[str]]:
    """Refuse a file that cannot be read at all, before anything is stored."""
    check_size(len(content))
    if not content:
        raise ValidationError(_("The file is empty."))
    file_format = _format_of(file_name, content)
    header = header_of(rows_of(file_format, content))
    return file_format, header


# --- One row into an item -------------------------------------------------------------------


# 31-12-2026, 31.12.2026 or 31/12/2026, optionally with a time: 31.12.2026 08:30 (or 08.30).
DANISH_DATE = re.compile(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})(?:[ T](\d{1,2})[:.](\d{2}))?")


def _datetime(value) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        text = str(value).strip()
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                match = DANISH_DATE.fullmatch(text)
                if not match:
                    raise ValueError(text)
                day = date(int(match[3]), int(match[2]), int(match[1]))
                at = time(int(match[4]), int(match[5])) if match[4] else time()
            else:
                at = time()
            moment = datetime.combine(day, at)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _json_value(value):
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()  # a spreadsheet's date is a datetime at midnight
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def _typed(value, spec: dict):
    """CSV cells are text: follow the queue's schema where it asks for numbers or booleans."""
    if not isinstance(value, str):
        return value
    kind = spec.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            number = Decimal(value.replace(",", "."))
            return int(number) if number == number.to_integral_value() else float(number)
    except (ValueError, InvalidOperation):
        return value
    if kind == "boolean" and value.lower() in {"true", "false", "ja", "nej", "1", "0"}:
        return value.lower() in {"true", "ja", "1"}
    return value


def to_item_row(queue: WorkQueue, header: list[str], line: int, cells: list):
    """An ``ItemRow``, or the reason the row cannot become one."""
    properties = (queue.payload_schema or {}).get("properties") or {}
    if len([cell for cell in cells[len(header) :] if cell not in (None, "")]):
        return _("The row has more cells than the header has columns.")
    row = ItemRow(line=line)
    problems = []
    for name, value in zip(header, cells, strict=False):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        key = item_column(name)
        if key == "reference":
            row.reference = str(_json_value(value))
        elif key == "priority":
            try:
                row.priority = int(str(_json_value(value)))
            except ValueError:
                problems.append(_("%(column)s: must be a whole number") % {"column": name.strip()})
        elif key in ("deadline", "defer_until"):
            try:
                setattr(row, key, _datetime(value))
            except (ValueError, OverflowError):
                problems.append(
                    _("%(column)s: not a date (use YYYY-MM-DD or DD-MM-YYYY)")
                    % {"column": name.strip()}
                )
        else:
            row.payload[name] = _typed(_json_value(value), properties.get(name) or {})
    return "; ".join(problems) if problems else row


# --- The upload pipeline: queued on upload, read in the background, batch by batch --------


def start_upload(queue: WorkQueue, *, file_name: str, content: bytes, actor) -> Upload:
    """Check the file (format, encoding, header, size) and have it read in the background.

    A malformed file raises a ValidationError and changes nothing.
    """
    file_format, _header = inspect(file_name, content)
    with transaction.atomic():
        upload = Upload.objects.create(
            queue=queue,
            file_name=file_name[:255],
            file_format=file_format,
            content=content,
            uploaded_by=actor,
            language=translation.get_language() or "",
        )
        enqueue_in_schema(read_upload_task, connection.schema_name, upload.pk)
    return upload


UPLOAD_LOST_AFTER = timedelta(minutes=2)
READ_TASK = "robots.workitems.tasks.read_upload"
SWEEP_TASK = "robots.workitems.tasks.read_waiting_uploads"
RUNNING = (Upload.Status.PENDING, Upload.Status.RUNNING)


def read_waiting_uploads(*, now=None) -> int:
    """The sweep (beat, every 2 minutes, in each member's schema): read the uploads still
    waiting well after they were sent (their task never arrived, e.g. the broker was down),
    and fail, retryably, those reading without progress for ``UPLOAD_STALLED_AFTER`` (their
    worker died). Each upload on its own: one that fails does not stop the others. Returns
    how many were read."""
    now = now or timezone.now()
    stalled = Upload.objects.filter(status=Upload.Status.RUNNING).filter(
        Q(progress_at__lt=now - UPLOAD_STALLED_AFTER)
        | Q(progress_at__isnull=True, created_at__lt=now - UPLOAD_STALLED_AFTER)
    )
    for upload_id in stalled.values_list("pk", flat=True):
        with isolated_row(SWEEP_TASK, f"upload {upload_id}", subject=("upload", upload_id)):
            fail_stalled_upload(upload_id, now=now)
    waiting = Upload.objects.filter(
        status=Upload.Status.PENDING, created_at__lt=now - UPLOAD_LOST_AFTER
    ).values_list("pk", flat=True)
    read = 0
    for upload_id in waiting:
        with isolated_row(SWEEP_TASK, f"upload {upload_id}", subject=("upload", upload_id)):
            read_upload(upload_id)
            read += 1
    return read


def fail_stalled_upload(upload_id: int, *, now=None) -> Upload | None:
    """An upload reading without progress for ``UPLOAD_STALLED_AFTER`` fails with a message;
    its file is kept, and a retry carries on after the last batch that was added."""
    now = now or timezone.now()
    with transaction.atomic():
        upload = Upload.objects.select_for_update(skip_locked=True).filter(pk=upload_id).first()
        if upload is None or not upload.stalled:
            return upload  # being read right now, or moved on meanwhile
        with translation.override(upload.language or settings.LANGUAGE_CODE):
            upload.failure = _(
                "The reading stopped: no progress for %(minutes)s minutes after %(done)s of "
                "%(total)s rows. The rows read so far are kept; retry to read the rest."
            ) % {
                "minutes": int(UPLOAD_STALLED_AFTER.total_seconds() // 60),
                "done": upload.rows_done,
                "total": upload.rows_total,
            }
        upload.status = Upload.Status.FAILED
        upload.retryable = True
        upload.finished_at = now
        upload.save(update_fields=["status", "failure", "retryable", "finished_at"])
    return upload


class UploadNotRetryable(ValidationError):
    """Only a failed upload whose file was kept, or a stalled one, can be retried."""


def retry_upload(upload: Upload, *, actor) -> Upload:
    """Read a failed or stalled upload again, from after the last batch that was added: each
    batch's items were committed together with the count of rows read, so nothing is added
    twice and nothing read is lost."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if not upload.can_retry:
            raise UploadNotRetryable(
                _("Only a failed or stalled upload can be retried."), code="not_retryable"
            )
        upload.status = Upload.Status.PENDING
        upload.failure = ""
        upload.retryable = False
        upload.finished_at = None
        upload.progress_at = timezone.now()
        upload.save(update_fields=["status", "failure", "retryable", "finished_at", "progress_at"])
        audit.record(
            actor=actor,
            action="workitems.upload.retried",
            target=upload,
            organisation=Organisation.objects.filter(schema_name=connection.schema_name).first(),
            changes={"rows_done": upload.rows_done},
        )
        enqueue_in_schema(read_upload_task, connection.schema_name, upload.pk)
    return upload


UPLOAD_BATCH_SIZE = 500
UPLOAD_MAX_ERRORS = 10_000  # reported by line; beyond this only counted


def read_upload(upload_id: int) -> Upload | None:
    language = Upload.objects.filter(pk=upload_id).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            return _read_upload(upload_id)
        except Exception as error:
            # Not the file's fault (a bug, the database): the batch being added was rolled
            # back whole; the upload fails with a message, keeps its file and can be retried.
            logger.exception("Reading upload %s stopped", upload_id)
            return _fail_upload_retryably(upload_id, error)


def _read_upload(upload_id: int) -> Upload | None:
    """Turn an upload's rows into items, batch by batch, recording progress as it goes.

    Each batch commits its items together with the progress, so a task that is run again
    (a worker died, the message came twice) carries on where the last batch ended.
    """
    with transaction.atomic():
        upload = (
            Upload.objects.select_for_update(skip_locked=True)
            .select_related("queue")
            .filter(pk=upload_id)
            .first()
        )
        if upload is None or not upload.running:
            return upload
        upload.status = Upload.Status.RUNNING
        upload.progress_at = timezone.now()
        try:
            rows = rows_of(upload.file_format, bytes(upload.content))
            header = header_of(rows)
            upload.rows_total = sum(1 for _line, cells in rows if not _blank(cells))
        except ValidationError as error:
            return _fail_upload(upload, error)
        upload.save(update_fields=["status", "rows_total", "progress_at"])

    queue, done = upload.queue, upload.rows_done
    try:
        rows = rows_of(upload.file_format, bytes(upload.content))
        header_of(rows)
        data_rows = ((line, cells) for line, cells in rows if not _blank(cells))
        batch: list = []
        for index, (line, cells) in enumerate(data_rows):
            if index < done:
                continue
            batch.append((line, to_item_row(queue, header, line, cells)))
            if len(batch) == UPLOAD_BATCH_SIZE:
                if not _add_upload_batch(upload, batch):
                    return upload  # another worker is reading this upload
                batch = []
        if batch and not _add_upload_batch(upload, batch):
            return upload
    except ValidationError as error:
        with transaction.atomic():
            return _fail_upload(upload, error)
    Upload.objects.filter(pk=upload.pk, status=Upload.Status.RUNNING).update(
        status=Upload.Status.DONE, content=b"", finished_at=timezone.now()
    )
    upload.refresh_from_db()
    return upload


def _fail_upload(upload: Upload, error: ValidationError) -> Upload:
    """The file itself cannot be read: failed for good, the file dropped."""
    upload.status = Upload.Status.FAILED
    upload.failure = " ".join(error.messages)
    upload.content = b""
    upload.retryable = False
    upload.finished_at = timezone.now()
    upload.save()
    return upload


def _fail_upload_retryably(upload_id: int, error: Exception) -> Upload | None:
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None or not upload.running:
        return upload
    failure = _(
        "The reading stopped after %(done)s of %(total)s rows because of an error on our "
        "side (%(error)s). The rows read so far are kept; retry to read the rest."
    ) % {"done": upload.rows_done, "total": upload.rows_total, "error": type(error).__name__}
    Upload.objects.filter(pk=upload_id, status__in=RUNNING).update(
        status=Upload.Status.FAILED, failure=failure, retryable=True, finished_at=timezone.now()
    )
    row_failed.send_robust(
        sender=READ_TASK,
        task=READ_TASK,
        row=f"upload {upload.pk} ({upload.file_name})",
        subject=("upload", upload.pk),
        organisation_id=None,
        schema_name=connection.schema_name,
        error=error,
    )
    upload.refresh_from_db()
    return upload


@transaction.atomic
def _add_upload_batch(upload: Upload, batch: list) -> bool:
    current = Upload.objects.select_for_update().only("rows_done", "status").get(pk=upload.pk)
    if current.rows_done != upload.rows_done or current.status != Upload.Status.RUNNING:
        return False  # another worker read this batch, or the upload was failed meanwhile
    rows = [row for _line, row in batch if isinstance(row, ItemRow)]
    errors = [{"line": line, "message": row} for line, row in batch if not isinstance(row, ItemRow)]
    result = add_items_bulk(upload.queue, rows, actor=upload.uploaded_by)
    errors = sorted(errors + result.errors, key=lambda error: error["line"])
    upload.rows_done += len(batch)
    upload.rows_valid += len(result.items)
    upload.rows_invalid += len(errors)
    upload.errors = (upload.errors + errors)[:UPLOAD_MAX_ERRORS]
    upload.progress_at = timezone.now()
    upload.save(update_fields=["rows_done", "rows_valid", "rows_invalid", "errors", "progress_at"])
    return True


@shared_task(name=READ_TASK)
def read_upload_task(upload_id: int) -> int:
    """Read an uploaded file into items (in the member's schema); safe to run twice.

    Defined beside ``start_upload``, which queues it, and the reading it runs, so that
    robots.workitems.tasks -> this module -> services stays one-way; its name is the one it
    always had, and robots.workitems.tasks lists it as ``read_upload``."""
    upload = read_upload(upload_id)
    return upload.rows_valid if upload else 0
