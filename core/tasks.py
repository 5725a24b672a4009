"""How the platform enqueues work: after the surrounding transaction commits, and — for work
on a member's data — inside that member's schema; and how periodic tasks keep one bad row
from stopping the others (``isolated_row``)."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Task
from django.db import connection, transaction
from django.dispatch import Signal


def enqueue_in_schema(task: Task, schema_name: str, *args, **kwargs) -> None:
    """Send ``task`` once the current transaction commits; it runs in ``schema_name``.

    ``robust``: when the broker is down the failure is logged and the request that asked for
    the task still succeeds; what the task would do is found again from the database by a
    periodic sweep (e.g. ``read_waiting_uploads``).
    """
    transaction.on_commit(
        lambda: task.apply_async(args=args, kwargs=kwargs, headers={"_schema_name": schema_name}),
        robust=True,
    )


# --- Periodic tasks: one bad row never stops the rest ----------------------------------------

logger = logging.getLogger("robotkontor.tasks")

# Sent when a row of a periodic task failed (and was rolled back); the monitoring app raises
# an alert from it. Arguments: ``task`` (the task's name), ``row`` (what failed, for people),
# ``subject`` ((type, id) of the row, e.g. ("deployment", 12)), ``organisation_id`` (the
# member concerned, when known), ``schema_name`` (the schema the task was in) and ``error``.
row_failed = Signal()


@contextmanager
def isolated_row(task: str, row: str, *, subject=None, organisation_id=None) -> Iterator[None]:
    """Run one row of a periodic task (a deployment, a member, an upload) on its own:

    - its writes are one transaction (a savepoint inside an outer one), rolled back whole
      when it fails, so the row is left as it was and never half-written;
    - the exception is logged and announced with ``row_failed`` (its receivers' own errors
      are logged, never raised), and then swallowed: the loop goes on with the next row.

    ``with isolated_row("robots.enqueue_scheduled_jobs", f"deployment {pk}", ...): …``
    """
    try:
        with transaction.atomic():
            yield
    except Exception as error:
        logger.exception("%s: %s failed; the other rows go on", task, row)
        schema_name = getattr(connection, "schema_name", "")
        answers = row_failed.send_robust(
            sender=task,
            task=task,
            row=row,
            subject=subject,
            organisation_id=organisation_id,
            schema_name=schema_name,
            error=error,
        )
        for receiver, answer in answers:
            if isinstance(answer, Exception):
                logger.error(
                    "%s: announcing the failure of %s failed in %r: %r", task, row, receiver, answer
                )
