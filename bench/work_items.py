"""Working a queue: ``reserve_next`` + ``release(done)`` (with the item's history) vs a
bare ``SELECT … FOR UPDATE SKIP LOCKED`` + ``UPDATE`` loop over the same items, reset
to new, in one member schema."""

import time
from dataclasses import dataclass

from django.db import connection, transaction
from django_tenants.utils import schema_context

from bench import members
from robots.workitems import services
from robots.workitems.models import WorkItem, WorkQueue

SLUG_PREFIX = "benchitems-"
Status = WorkItem.Status

RAW_RESERVE_SQL = f"""
SELECT id FROM {WorkItem._meta.db_table}
WHERE queue_id = %s AND status = 'new' AND (defer_until IS NULL OR defer_until <= now())
ORDER BY priority DESC, created_at ASC, id ASC
LIMIT 1
FOR UPDATE SKIP LOCKED
"""
RAW_START_SQL = f"""
UPDATE {WorkItem._meta.db_table}
SET status = 'in_progress', started_at = now(), finished_at = NULL, attempts = attempts + 1
WHERE id = %s
"""
RAW_DONE_SQL = f"""
UPDATE {WorkItem._meta.db_table}
SET status = 'done', outcome = 'done', reason = '', finished_at = now()
WHERE id = %s
"""


@dataclass
class Result:
    items: int
    add_seconds: float
    ours_processed: int
    ours_seconds: float
    raw_processed: int
    raw_seconds: float

    @property
    def ours_per_second(self) -> float:
        return self.ours_processed / self.ours_seconds

    @property
    def raw_per_second(self) -> float:
        return self.raw_processed / self.raw_seconds


def cleanup() -> None:
    members.remove(SLUG_PREFIX)


def _work_all_ours(queue: WorkQueue) -> int:
    processed = 0
    while (item := services.reserve_next(queue)) is not None:
        services.release(item, outcome=Status.DONE, attempt=item.attempts)
        processed += 1
    return processed


def _reset_items(queue: WorkQueue) -> None:
    queue.items.update(status=Status.NEW, outcome="", started_at=None, finished_at=None, attempts=0)


def _work_all_raw(queue: WorkQueue) -> int:
    processed = 0
    with connection.cursor() as cursor:
        while True:
            with transaction.atomic():
                cursor.execute(RAW_RESERVE_SQL, [queue.pk])
                row = cursor.fetchone()
                if row is None:
                    return processed
                cursor.execute(RAW_START_SQL, [row[0]])
            with transaction.atomic():
                cursor.execute(RAW_DONE_SQL, [row[0]])
            processed += 1


def run(items: int = 5000) -> Result:
    cleanup()
    try:
        organisation = members.provision(SLUG_PREFIX, 0, cvr_start=42000000)
        with schema_context(organisation.schema_name):
            queue = services.create_queue(name="Benchmark")
            rows = [
                services.ItemRow(line=n, reference=f"item-{n}", payload={"n": n})
                for n in range(1, items + 1)
            ]
            started = time.perf_counter()
            added = services.add_items_bulk(queue, rows)
            add_seconds = time.perf_counter() - started
            if added.errors:
                raise RuntimeError(f"add_items_bulk refused rows: {added.errors[:3]}")
            started = time.perf_counter()
            ours_processed = _work_all_ours(queue)
            ours_seconds = time.perf_counter() - started
            _reset_items(queue)
            started = time.perf_counter()
            raw_processed = _work_all_raw(queue)
            raw_seconds = time.perf_counter() - started
    finally:
        cleanup()
    return Result(
        items=items,
        add_seconds=add_seconds,
        ours_processed=ours_processed,
        ours_seconds=ours_seconds,
        raw_processed=raw_processed,
        raw_seconds=raw_seconds,
    )


def report(result: Result) -> str:
    ratio = result.ours_per_second / result.raw_per_second
    return "\n".join(
        [
            f"Working {result.items} queue items in one member schema "
            f"(added in bulk in {result.add_seconds * 1000:.0f} ms)",
            f"  {'raw SKIP LOCKED (baseline)':<28}{result.raw_per_second:>10.0f} items/s"
            f"  ({result.raw_processed} done)",
            f"  {'reserve + release (ours)':<28}{result.ours_per_second:>10.0f} items/s"
            f"  ({result.ours_processed} done)",
            f"  {'ratio ours / raw':<28}{ratio:>10.2f} ×",
        ]
    )
