"""How the platform enqueues work: after the surrounding transaction commits, and — for work
on a member's data — inside that member's schema."""

from celery import Task
from django.db import transaction


def enqueue_in_schema(task: Task, schema_name: str, *args, **kwargs) -> None:
    """Send ``task`` once the current transaction commits; it runs in ``schema_name``."""
    transaction.on_commit(
        lambda: task.apply_async(args=args, kwargs=kwargs, headers={"_schema_name": schema_name})
    )
