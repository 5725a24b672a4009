"""Working a queue: reserve + release(done) through the robot's HTTP API (a running job's
token, against a real gunicorn) and by the service calls behind it (``reserve_for_job`` +
``release_for_job``, with the item's history), vs a bare ``SELECT … FOR UPDATE SKIP LOCKED``
+ ``UPDATE`` loop over the same items, reset to new, in one member schema. One robot works
the queue, one item after the other.

Then, on the same server, one runner claims jobs one after the other through the runner API
(``POST /api/v1/runner/claim/``): the report sets the robot API's time per call (a reserve or
a release) against the claim's. The robot's items and the runner's claims are worked in
``ROUNDS`` alternating stretches, so both meet the same load on a shared machine."""

import time
from dataclasses import dataclass

import requests
from django.db import connection, transaction
from django_tenants.utils import schema_context

from bench import fleet, members, server
from robots.workitems import services
from robots.workitems.models import WorkItem, WorkQueue

TAG = "benchmark-items"
ROUNDS = 4
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
class Way:
    processed: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.processed / self.seconds


@dataclass
class Result:
    items: int
    add_seconds: float
    raw: Way
    service: Way
    api: Way
    claims: Way

    @property
    def api_call_seconds(self) -> float:
        """One robot API call: a reserve or a release (two per item)."""
        return self.api.seconds / (2 * self.api.processed)

    @property
    def claim_seconds(self) -> float:
        return self.claims.seconds / self.claims.processed


def cleanup() -> None:
    fleet.remove(TAG)
    members.remove(SLUG_PREFIX)


def _timed(work) -> Way:
    started = time.perf_counter()
    processed = work()
    return Way(processed, time.perf_counter() - started)


def _work_all_service(job, queue: WorkQueue) -> int:
    processed = 0
    while (item := services.reserve_for_job(job, queue.pk)) is not None:
        released = services.release_for_job(job, item.pk, outcome=Status.DONE)
        assert released is not None and released.status == Status.DONE
        processed += 1
    return processed


def _claim_all(base: str, token: str, limit: int | None = None) -> int:
    headers = {"Host": server.office_host(), "Authorization": f"Runner {token}"}
    processed = 0
    with requests.Session() as session:
        while limit is None or processed < limit:
            claimed = session.post(f"{base}/api/v1/runner/claim/", headers=headers)
            if claimed.status_code == 204:
                return processed
            assert claimed.status_code == 200, (claimed.status_code, claimed.text[:300])
            processed += 1
    return processed


def _work_all_api(base: str, token: str, queue: WorkQueue, limit: int | None = None) -> int:
    headers = {"Host": server.office_host(), "Authorization": f"Bearer {token}"}
    processed = 0
    with requests.Session() as session:
        while limit is None or processed < limit:
            reserved = session.post(
                f"{base}/api/v1/robot/work-queues/{queue.pk}/reserve/", headers=headers
            )
            if reserved.status_code == 204:
                return processed
            assert reserved.status_code == 200, (reserved.status_code, reserved.text[:300])
            released = session.post(
                f"{base}/api/v1/robot/work-items/{reserved.json()['id']}/release/",
                headers=headers,
                json={"outcome": Status.DONE},
            )
            assert released.status_code == 200, (released.status_code, released.text[:300])
            processed += 1
    return processed


def _add(ways: list[Way]) -> Way:
    return Way(sum(way.processed for way in ways), sum(way.seconds for way in ways))


def _alternating(base: str, token: str, queue: WorkQueue, runner_token: str, items, claims):
    """The robot's items and the runner's claims in ``ROUNDS`` alternating stretches (the
    last of each takes what is left): the robot API's and the claims' totals."""
    api, claimed = [], []
    for round_ in range(1, ROUNDS + 1):
        last = round_ == ROUNDS
        item_limit, claim_limit = (None, None) if last else (items, claims)
        api.append(_timed(lambda n=item_limit: _work_all_api(base, token, queue, n)))
        claimed.append(_timed(lambda n=claim_limit: _claim_all(base, runner_token, n)))
    return _add(api), _add(claimed)


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


def run(items: int = 2000, claims: int = 500) -> Result:
    cleanup()
    try:
        with fleet.office_site():
            organisation = members.provision(SLUG_PREFIX, 0, cvr_start=42000000)
            deployment = fleet.deployment(
                TAG, organisation, fleet.robot_version(TAG), name="Benchmark"
            )
            job, token = fleet.running_job(TAG, deployment)
            with schema_context(organisation.schema_name):
                queue = services.create_queue(name="Benchmark", deployment=deployment)
                rows = [
                    services.ItemRow(line=n, reference=f"item-{n}", payload={"n": n})
                    for n in range(1, items + 1)
                ]
                started = time.perf_counter()
                added = services.add_items_bulk(queue, rows)
                add_seconds = time.perf_counter() - started
                if added.errors:
                    raise RuntimeError(f"add_items_bulk refused rows: {added.errors[:3]}")
                raw = _timed(lambda: _work_all_raw(queue))
                _reset_items(queue)
            service = _timed(lambda: _work_all_service(job, queue))
            with schema_context(organisation.schema_name):
                _reset_items(queue)
            # The claims: a deployment and a runner of their own, room for all at once.
            organisation.max_concurrent_jobs = claims + 1
            organisation.save(update_fields=["max_concurrent_jobs"])
            claimed = fleet.deployment(
                TAG, organisation, deployment.robot_version, name="Claims", max_concurrency=claims
            )
            fleet.insert_jobs(TAG, [claimed], claims, finished=False)
            _runner, runner_token = fleet.runner(TAG, 1, max_concurrency=claims)
            with server.running() as base:
                api, claimed_jobs = _alternating(
                    base,
                    token,
                    queue,
                    runner_token,
                    items=-(-items // ROUNDS),
                    claims=-(-claims // ROUNDS),
                )
    finally:
        cleanup()
    return Result(
        items=items,
        add_seconds=add_seconds,
        raw=raw,
        service=service,
        api=api,
        claims=claimed_jobs,
    )


def report(result: Result) -> str:
    def line(label: str, way: Way) -> str:
        return f"  {label:<28}{way.per_second:>10.0f} items/s  ({way.processed} done)"

    def ratio(label: str, ours: Way, baseline: Way) -> str:
        return f"  {label:<28}{ours.per_second / baseline.per_second:>10.2f} ×"

    return "\n".join(
        [
            f"Working {result.items} queue items in one member schema, one robot "
            f"(added in bulk in {result.add_seconds * 1000:.0f} ms)",
            line("raw SKIP LOCKED (baseline)", result.raw),
            line("services (ours)", result.service),
            line("robot HTTP API (ours)", result.api),
            ratio("ratio services / raw", result.service, result.raw),
            ratio("ratio HTTP API / raw", result.api, result.raw),
            f"  {'per robot API call':<28}{result.api_call_seconds * 1000:>10.2f} ms"
            "  (a reserve or a release)",
            f"  {'per claim (runner API)':<28}{result.claim_seconds * 1000:>10.2f} ms"
            f"  ({result.claims.processed} jobs claimed one after the other, same server,"
            f" in {ROUNDS} stretches between the robot's)",
            f"  {'ratio API call / claim':<28}"
            f"{result.api_call_seconds / result.claim_seconds:>10.2f} ×  (at most 1 is the aim)",
        ]
    )
