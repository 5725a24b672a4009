"""What robots do with items: reserve and release them, rewrite payloads, make outputs,
attach files; and items a robot left in progress too long, abandoned."""

import json
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from core.tasks import isolated_row
from robots.models import Job
from robots.workitems.models import (
    WorkItem,
    WorkItemEvent,
    WorkItemFile,
    WorkItemOutput,
    WorkQueue,
)
from robots.workitems.services.common import (
    Status,
    delete_file,
    event,
    payload_problems,
    validate_payload,
)


class ItemFinished(Exception):
    """The item is finished (done, resolved or closed): a robot can no longer change it."""

    def __init__(self, item: WorkItem):
        super().__init__(f"work item {item.pk} is {item.status}")
        self.item = item


def _tables(schema_name: str | None = None) -> dict[str, str]:
    """The work-item tables, qualified with ``schema_name`` when given (a robot's call reads
    its member's schema without switching the connection's search path to it)."""
    quote = connection.ops.quote_name
    prefix = f"{quote(schema_name)}." if schema_name else ""
    return {
        "item": prefix + quote(WorkItem._meta.db_table),
        "event": prefix + quote(WorkItemEvent._meta.db_table),
        "queue": prefix + quote(WorkQueue._meta.db_table),
    }


_ITEM_COLUMNS = ", ".join(
    f"i.{connection.ops.quote_name(field.column)}" for field in WorkItem._meta.concrete_fields
)

# The next item (new, not deferred, highest priority, then oldest) reserved and its history
# event written, in one statement: SKIP LOCKED lets concurrent robots each take a different
# item without waiting; the statement is its own transaction.
_RESERVE_SQL = """
WITH picked AS (
    SELECT i.id FROM {item} i
    WHERE i.queue_id = %(queue)s AND i.status = %(new)s
      AND (i.defer_until IS NULL OR i.defer_until <= %(now)s)
      {of_deployment} {job_runs}
    ORDER BY i.priority DESC, i.created_at ASC, i.id ASC
    LIMIT 1
    FOR UPDATE OF i SKIP LOCKED
), reserved AS (
    UPDATE {item} i
    SET status = %(in_progress)s, started_at = %(now)s, finished_at = NULL,
        attempts = i.attempts + 1, reserved_by_job = %(job)s
    FROM picked
    WHERE i.id = picked.id
    RETURNING {columns}
), logged AS (
    INSERT INTO {event} (item_id, at, from_status, to_status, actor_id, message)
    SELECT i.id, %(now)s, %(new)s, %(in_progress)s, NULL,
           replace(%(message)s, '%%(n)s', i.attempts::text)
    FROM reserved i
)
SELECT * FROM reserved
"""
_OF_DEPLOYMENT = (
    "AND EXISTS (SELECT FROM {queue} q"
    " WHERE q.id = i.queue_id AND q.deployment_id = %(deployment)s)"
)
# The run still holds the item's robot's token, checked in the statement that acts for it: a
# robot's job may be known from an earlier call (``robots.selectors.known_running_job``).
_JOB_RUNS = (
    "AND EXISTS (SELECT FROM {job} j"
    " WHERE j.id = %(job)s AND j.token_hash = %(token_hash)s AND j.status = %(running)s)"
)


def _job_runs(job) -> tuple[str, dict]:
    """The ``_JOB_RUNS`` clause and its parameters for a robot's ``job`` (a
    ``robots.selectors.RunningJob`` with its token hash); nothing for any other caller."""
    token_hash = getattr(job, "token_hash", "")
    if not token_hash:
        return "", {}
    job_table = f"{connection.ops.quote_name(get_public_schema_name())}.{Job._meta.db_table}"
    return _JOB_RUNS.format(job=job_table), {
        "token_hash": token_hash,
        "running": Job.Status.RUNNING,
    }


def _reserve(
    *, queue_id, job_id, now, schema_name: str | None = None, deployment_id=None, job=None
) -> WorkItem | None:
    tables = _tables(schema_name)
    of_deployment = "" if deployment_id is None else _OF_DEPLOYMENT.format(**tables)
    job_runs, job_parameters = _job_runs(job)
    found = list(
        WorkItem.objects.raw(
            _RESERVE_SQL.format(
                **tables, columns=_ITEM_COLUMNS, of_deployment=of_deployment, job_runs=job_runs
            ),
            job_parameters
            | {
                "queue": queue_id,
                "deployment": deployment_id,
                "new": Status.NEW,
                "in_progress": Status.IN_PROGRESS,
                "now": now,
                "job": job_id,
                # Stored in the language of the call, as the history's other messages.
                "message": _("Reserved by a robot (attempt %(n)s)"),
            },
        )
    )
    return found[0] if found else None


def reserve_next(queue: WorkQueue, *, job_id: int | None = None, now=None) -> WorkItem | None:
    """Hand the next item to a robot (of the run ``job_id``): new, not deferred, highest
    priority, then oldest, with its history event; one statement (``_RESERVE_SQL``).

    ``SKIP LOCKED`` lets concurrent robots each take a different item without waiting.
    """
    return _reserve(queue_id=queue.pk, job_id=job_id, now=now or timezone.now())


def reserve_for_job(job, queue_id: int, *, now=None) -> WorkItem | None:
    """``reserve_next`` for a robot's call: the queue must be one of the running ``job``'s
    deployment, in its member's schema, read without switching the connection to it. None
    when there is no item to work on now, or no such queue (the caller tells which).
    ``job`` is a ``Job`` or a ``robots.selectors.RunningJob``; with the latter's token hash,
    also None when the job no longer runs with that token."""
    return _reserve(
        queue_id=queue_id,
        job_id=job.pk,
        now=now or timezone.now(),
        schema_name=job.schema_name,
        deployment_id=job.deployment_id,
        job=job,
    )


OUTCOMES = (Status.DONE, Status.BUSINESS_EXCEPTION, Status.APPLICATION_EXCEPTION)
# The longest reason kept on an item; a robot's longer message is cut and says so.
REASON_MAX_CHARS = 4000


def shortened_reason(message: str) -> str:
    """A robot's message as the item's reason: at most REASON_MAX_CHARS characters, cut
    with a note of how long it was (a robot is never refused for a long message)."""
    if len(message) <= REASON_MAX_CHARS:
        return message
    note = " … " + _("(shortened: the robot's message was %(length)s characters)") % {
        "length": len(message)
    }
    return message[: REASON_MAX_CHARS - len(note)] + note


@transaction.atomic
def release(
    item: WorkItem,
    *,
    outcome: str,
    message: str = "",
    output: dict | None = None,
    attempt: int | None = None,
    job_id: int | None = None,
    now=None,
) -> WorkItem:
    """A robot reports how an item went.

    Idempotent: a repeated release (same outcome, item no longer in progress) changes
    nothing, and a release naming an earlier ``attempt`` is ignored. A run (``job_id``) may
    release only the item it reserved last: a late replay from an earlier run, after the item
    was reserved again, is refused and changes nothing. An application error
    goes back to ``new`` after the queue's retry delay until the maximum attempts is
    reached; a business exception goes to manual handling.
    """
    now = now or timezone.now()
    message = shortened_reason(message)
    if outcome not in OUTCOMES:
        raise ValidationError(
            {"outcome": _("Choose one of: %(choices)s.") % {"choices": ", ".join(OUTCOMES)}}
        )
    item = WorkItem.objects.select_for_update().select_related("queue").get(pk=item.pk)
    if attempt is not None and attempt != item.attempts:
        return item  # a late report of an earlier attempt
    if job_id is not None and item.reserved_by_job != job_id:
        raise ValidationError(_("Another run has reserved this item since; nothing changed."))
    if item.status != Status.IN_PROGRESS:
        if item.outcome == outcome:
            return item
        raise ValidationError(
            _("The item is not in progress (it is %(status)s).")
            % {"status": item.get_status_display()}
        )
    if output is not None:
        problems = payload_problems(item.queue, output, name="output")
        if problems:
            raise ValidationError({"output": problems})
        item.output = output
    before = item.status
    item.outcome = outcome
    item.reason = message if outcome != Status.DONE else ""
    if outcome == Status.APPLICATION_EXCEPTION and item.attempts < item.queue.max_retries:
        item.status = Status.NEW
        item.defer_until = now + timedelta(seconds=item.queue.retry_delay_seconds)
        item.started_at = None
        text = _("Application error; tried again after %(time)s: %(message)s") % {
            "time": timezone.localtime(item.defer_until).strftime("%H:%M:%S"),
            "message": message,
        }
    else:
        item.status = outcome
        item.finished_at = now
        text = message
    item.save()
    event(item, before, item.status, at=now, message=text).save()
    return item


# A robot's report on the item its run reserved, still in progress: the item finished (done,
# or to manual handling) and its history event written, in one statement. Anything else (an
# application error, which may be retried; a repeated or late report; another run's item)
# takes ``release``.
_RELEASE_SQL = """
WITH released AS (
    UPDATE {item} i
    SET status = %(outcome)s, outcome = %(outcome)s, reason = %(reason)s,
        finished_at = %(now)s, output = COALESCE(%(output)s::jsonb, i.output)
    FROM {queue} q
    WHERE i.id = %(item)s AND q.id = i.queue_id AND q.deployment_id = %(deployment)s
      AND i.status = %(in_progress)s AND i.reserved_by_job = %(job)s
      AND (%(attempt)s::integer IS NULL OR i.attempts = %(attempt)s::integer)
      {job_runs}
    RETURNING {columns}
), logged AS (
    INSERT INTO {event} (item_id, at, from_status, to_status, actor_id, message)
    SELECT i.id, %(now)s, %(in_progress)s, i.status, NULL, %(message)s FROM released i
)
SELECT * FROM released
"""
FINISHING_OUTCOMES = (Status.DONE, Status.BUSINESS_EXCEPTION)


def release_for_job(
    job,
    item_id: int,
    *,
    outcome: str,
    message: str = "",
    output: dict | None = None,
    attempt: int | None = None,
    now=None,
) -> WorkItem | None:
    """A running ``job``'s robot reports ``done`` or ``business_exception`` on the item it
    reserved and still works on, in its member's schema without switching the connection to
    it: one statement. None when that is not the case, or (with a
    ``robots.selectors.RunningJob``'s token hash) the job no longer runs with that token: the
    caller then goes through ``release``, which handles every other case (and says why it
    refuses)."""
    if outcome not in FINISHING_OUTCOMES:
        return None
    message = shortened_reason(message)
    if output is not None:
        problems = payload_problems(WorkQueue(), output, name="output")
        if problems:
            raise ValidationError({"output": problems})
    job_runs, job_parameters = _job_runs(job)
    found = list(
        WorkItem.objects.raw(
            _RELEASE_SQL.format(
                **_tables(job.schema_name), columns=_ITEM_COLUMNS, job_runs=job_runs
            ),
            job_parameters
            | {
                "item": item_id,
                "deployment": job.deployment_id,
                "job": job.pk,
                "in_progress": Status.IN_PROGRESS,
                "outcome": outcome,
                "reason": message if outcome != Status.DONE else "",
                "message": message,
                "output": None if output is None else json.dumps(output),
                "attempt": attempt,
                "now": now or timezone.now(),
            },
        )
    )
    return found[0] if found else None


def reserve_for_deployment(deployment_id: int, *, job_id: int) -> WorkItem | None:
    """The next item of any queue the deployment works (queues in the order created)."""
    for queue in WorkQueue.objects.filter(deployment_id=deployment_id).order_by("pk"):
        item = reserve_next(queue, job_id=job_id)
        if item is not None:
            return item
    return None


@transaction.atomic
def give_back_first_input(item_id: int, *, job_id: int, started: bool, now=None) -> bool:
    """The input reserved for run ``job_id`` at its claim, when the run ends without having
    released it: back to the queue (``new``), not counted as an attempt, when the robot never
    started; an application error (tried again while attempts remain) when it ran. Whether
    anything changed: an item the run released, or that another run holds, is left alone."""
    now = now or timezone.now()
    item = (
        WorkItem.objects.select_for_update()
        .filter(pk=item_id, status=Status.IN_PROGRESS, reserved_by_job=job_id)
        .first()
    )
    if item is None:
        return False
    if started:
        release(
            item,
            outcome=Status.APPLICATION_EXCEPTION,
            message=_("The run ended without releasing the item."),
            job_id=job_id,
            now=now,
        )
        return True
    item.status = Status.NEW
    item.started_at = None
    item.reserved_by_job = None
    item.attempts = max(item.attempts - 1, 0)
    item.save(update_fields=["status", "started_at", "reserved_by_job", "attempts"])
    message = _("Given back: the run it was reserved for never started")
    event(item, Status.IN_PROGRESS, Status.NEW, at=now, message=message).save()
    return True


@transaction.atomic
def save_payload_by_robot(item: WorkItem, payload) -> WorkItem:
    """A robot rewrites an input item's payload (the queue's schema and size still hold);
    an item already finished keeps the payload it finished with (ItemFinished)."""
    item = WorkItem.objects.select_for_update().select_related("queue").get(pk=item.pk)
    if item.status in WorkItem.FINISHED:
        raise ItemFinished(item)
    validate_payload(item.queue, payload)
    if payload != item.payload:
        item.payload = payload
        item.save(update_fields=["payload"])
        event(item, item.status, item.status, message=_("Payload changed by the robot")).save()
    return item


def _check_output(payload) -> None:
    problems = payload_problems(WorkQueue(), payload, name="output")
    if problems:
        raise ValidationError({"payload": problems})


@transaction.atomic
def create_output(parent: WorkItem, payload=None) -> WorkItemOutput:
    """An output item a robot made from ``parent``."""
    payload = {} if payload is None else payload
    _check_output(payload)
    return WorkItemOutput.objects.create(parent=parent, payload=payload)


@transaction.atomic
def save_output_payload(output: WorkItemOutput, payload) -> WorkItemOutput:
    _check_output(payload)
    output.payload = payload
    output.save(update_fields=["payload"])
    return output


def check_file_size(size: int) -> None:
    limit = settings.WORK_ITEM_FILE_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s; a work item's file may be at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def _check_file_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 255 or "/" in name or "\\" in name or name in (".", ".."):
        raise ValidationError(_("A file name must be 1 to 255 characters without slashes."))
    return name


def check_new_file(name: str, size: int) -> str:
    """Refuse a file before it is sent: a clear error about its name or size."""
    check_file_size(size)
    return _check_file_name(name)


@transaction.atomic
def attach_file(owner: WorkItem | WorkItemOutput, *, name: str, content: bytes) -> WorkItemFile:
    """Store a robot's file with an input or output item; a file of the same name is
    replaced. Files live in MEDIA under the member's schema."""
    name = check_new_file(name, len(content))
    owner_field = "item" if isinstance(owner, WorkItem) else "output"
    for old in WorkItemFile.objects.select_for_update().filter(**{owner_field: owner}, name=name):
        remove_file(old)
    attached = WorkItemFile(**{owner_field: owner}, name=name, size=len(content))
    attached.file.save(name, ContentFile(content), save=False)
    attached.save()
    if isinstance(owner, WorkItem):
        event(
            owner, owner.status, owner.status, message=_("File %(name)s added") % {"name": name}
        ).save()
    return attached


@transaction.atomic
def remove_file(attached: WorkItemFile) -> None:
    if attached.item_id is not None:
        item = attached.item
        event(
            item,
            item.status,
            item.status,
            message=_("File %(name)s removed") % {"name": attached.name},
        ).save()
    delete_file(attached)


ABANDON_TASK = "robots.workitems.tasks.abandon_stuck_items"


def abandon_stuck_items(*, now=None) -> int:
    """Mark items left in progress longer than their queue allows as abandoned.

    Runs inside the member's schema (the caller — a tenant-aware task — chose it). Each
    queue on its own (``isolated_row``): one that fails is alerted, the others go on.
    """
    now = now or timezone.now()
    total = 0
    for queue in WorkQueue.objects.all():
        with isolated_row(ABANDON_TASK, f"the queue {queue.name}", subject=("queue", queue.pk)):
            total += _abandon_stuck(queue, now)
    return total


def _abandon_stuck(queue: WorkQueue, now) -> int:
    cutoff = now - timedelta(minutes=queue.abandon_after_minutes)
    stuck = list(
        WorkItem.objects.select_for_update(skip_locked=True)
        .filter(queue=queue, status=Status.IN_PROGRESS, started_at__lt=cutoff)
        .values_list("pk", flat=True)
    )
    if not stuck:
        return 0
    WorkItem.objects.filter(pk__in=stuck).update(
        status=Status.ABANDONED, finished_at=now, outcome=Status.ABANDONED
    )
    message = _("No answer from the robot for %(minutes)s minutes") % {
        "minutes": queue.abandon_after_minutes
    }
    WorkItemEvent.objects.bulk_create(
        [
            WorkItemEvent(
                item_id=pk,
                at=now,
                from_status=Status.IN_PROGRESS,
                to_status=Status.ABANDONED,
                message=message,
            )
            for pk in stuck
        ]
    )
    return len(stuck)
