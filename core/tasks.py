"""How the platform enqueues work: after the surrounding transaction commits, and — for work
on a member's data — inside that member's schema."""

from celery import Task
from django.db import transaction


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
