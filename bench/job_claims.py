"""Claiming jobs through the runner API under load: concurrent simulated runners each
``POST /api/v1/runner/claim/`` and report the job done (``…/complete/``), against a real
gunicorn, with a long history of finished jobs in the table; vs the same server answering
``/healthz`` (no database, no tenant) to the same number of concurrent clients for as long.

Claims per second count claim requests that handed out a job; the completions are sent
but not counted (nor timed) as claims, so the ratio understates the API's throughput.
"""

import time
from dataclasses import dataclass

import requests
from django.db import connection

from bench import fleet, members, server
from robots.models import Deployment, Job

TAG = "benchmark-claims"
SLUG_PREFIX = "benchclaims-"


@dataclass
class Result:
    runners: int
    finished_jobs: int
    queued_jobs: int
    health: server.Load
    claims: server.Load
    completed: int

    @property
    def ratio(self) -> float:
        return self.claims.per_second / self.health.per_second


def cleanup() -> None:
    fleet.remove(TAG)
    members.remove(SLUG_PREFIX)


def _set_up(
    *, member_count: int, deployments_per_member: int, runners: int, finished: int, queued: int
) -> list[str]:
    version = fleet.robot_version(TAG)
    deployments: list[Deployment] = []
    for index in range(member_count):
        organisation = members.provision(SLUG_PREFIX, index, cvr_start=41000000)
        deployments += [
            fleet.deployment(TAG, organisation, version, name=f"Benchmark {n}", max_concurrency=4)
            for n in range(deployments_per_member)
        ]
    fleet.insert_jobs(TAG, deployments, finished, finished=True)
    fleet.insert_jobs(TAG, deployments, queued, finished=False)
    with connection.cursor() as cursor:
        # As autovacuum would soon after such a burst: plans fit the table's real size.
        cursor.execute(f"ANALYZE {Job._meta.db_table}")
    return [fleet.runner(TAG, number)[1] for number in range(runners)]


def claiming_runner(base: str, token: str, completed: list[int]):
    """A simulated runner: claim a job, report it done; None when the queue is empty."""
    headers = {"Host": server.office_host(), "Authorization": f"Runner {token}"}

    def client(session: requests.Session) -> list[float] | None:
        started = time.perf_counter()
        response = session.post(f"{base}/api/v1/runner/claim/", headers=headers)
        elapsed = time.perf_counter() - started
        if response.status_code == 204:
            return None
        assert response.status_code == 200, (response.status_code, response.text[:300])
        job = response.json()["id"]
        done = session.post(
            f"{base}/api/v1/runner/jobs/{job}/complete/",
            headers=headers,
            json={"succeeded": True, "exit_code": 0},
        )
        assert done.status_code == 200, (done.status_code, done.text[:300])
        completed.append(job)
        return [elapsed]

    return client


def run(
    *,
    seconds: float = 10.0,
    runners: int = 8,
    finished: int = 100_000,
    queued: int = 15_000,
    member_count: int = 4,
    deployments_per_member: int = 2,
) -> Result:
    cleanup()
    try:
        with fleet.office_site():
            tokens = _set_up(
                member_count=member_count,
                deployments_per_member=deployments_per_member,
                runners=runners,
                finished=finished,
                queued=queued,
            )
            with server.running() as base:
                health = server.hammer([server.get_healthz(base)] * runners, seconds=seconds)
                completed: list[int] = []
                claims = server.hammer(
                    [claiming_runner(base, token, completed) for token in tokens],
                    seconds=seconds,
                )
    finally:
        cleanup()
    return Result(
        runners=runners,
        finished_jobs=finished,
        queued_jobs=queued,
        health=health,
        claims=claims,
        completed=len(completed),
    )


def report(result: Result) -> str:
    return "\n".join(
        [
            f"Claiming jobs through the runner API: {result.runners} concurrent runners, "
            f"{result.finished_jobs} finished and {result.queued_jobs} queued jobs, "
            f"gunicorn {server.WORKERS} workers × {server.THREADS} threads",
            f"  {'/healthz (baseline)':<28}{result.health.per_second:>10.0f} req/s"
            f"  (p50 {result.health.percentile(0.5) * 1000:.1f} ms,"
            f" p99 {result.health.percentile(0.99) * 1000:.1f} ms)",
            f"  {'claim + complete (ours)':<28}{result.claims.per_second:>10.0f} claims/s"
            f"  (p50 {result.claims.percentile(0.5) * 1000:.1f} ms,"
            f" p99 {result.claims.percentile(0.99) * 1000:.1f} ms; {result.completed} completed)",
            f"  {'ratio claims / healthz':<28}{result.ratio:>10.2f} ×",
        ]
    )
