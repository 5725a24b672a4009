"""Claiming jobs through the runner API under load: concurrent simulated runners each
``POST /api/v1/runner/claim/`` as fast as they can, against a real gunicorn, with a long
history of finished jobs in the table; vs the same server answering ``/healthz`` (no
database, no tenant) to the same number of concurrent clients for as long.

Claims per second count claim requests that handed out a job. Meanwhile the claimed jobs
end behind the API's back (every ``FINISH_EVERY`` seconds one statement marks the running
ones succeeded), so the running set stays the size of a real fleet's, each runner, member
and deployment having room for the jobs claimed in between. The completions runners send
are measured on their own afterwards: the same runners report jobs they claim then done
(``…/complete/``).

Then the same again on a fresh database whose tables were never analyzed (a young
installation: ``bench.fresh_database``), in a process of its own; the report prints both, so
a claim whose plan depends on statistics shows as a gap between them.
"""

import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import requests
from django.db import connection

from bench import fleet, fresh_database, members, server
from robots.models import Deployment, Job

TAG = "benchmark-claims"
SLUG_PREFIX = "benchclaims-"
# Jobs at once allowed to each runner, deployment and member: more than are claimed between
# two finishes.
ROOM = 1_000
FINISH_EVERY = 0.05


@dataclass
class Side:
    """One database's measurements: analyzed (as autovacuum leaves it), or never analyzed."""

    health: server.Load
    claims: server.Load
    completions: server.Load
    statistics: list[dict] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.claims.per_second / self.health.per_second

    @classmethod
    def from_json(cls, data: dict) -> "Side":
        loads = {name: server.Load(**data[name]) for name in ("health", "claims", "completions")}
        return cls(**loads, statistics=data["statistics"])


@dataclass
class Result:
    runners: int
    finished_jobs: int
    queued_jobs: int
    analyzed: Side
    never_analyzed: Side | None = None

    @property
    def health(self) -> server.Load:
        return self.analyzed.health

    @property
    def claims(self) -> server.Load:
        return self.analyzed.claims

    @property
    def completions(self) -> server.Load:
        return self.analyzed.completions

    @property
    def ratio(self) -> float:
        return self.analyzed.ratio


def cleanup() -> None:
    fleet.remove(TAG)
    members.remove(SLUG_PREFIX)


def _set_up(
    *,
    member_count: int,
    deployments_per_member: int,
    runners: int,
    finished: int,
    queued: int,
    analyze: bool = True,
) -> list[str]:
    version = fleet.robot_version(TAG)
    deployments: list[Deployment] = []
    for index in range(member_count):
        organisation = members.provision(SLUG_PREFIX, index, cvr_start=41000000)
        organisation.max_concurrent_jobs = ROOM
        organisation.save(update_fields=["max_concurrent_jobs"])
        deployments += [
            fleet.deployment(
                TAG, organisation, version, name=f"Benchmark {n}", max_concurrency=ROOM
            )
            for n in range(deployments_per_member)
        ]
    fleet.insert_jobs(TAG, deployments, finished, finished=True)
    fleet.insert_jobs(TAG, deployments, queued, finished=False)
    if analyze:
        with connection.cursor() as cursor:
            # As autovacuum would soon after such a burst (and after the last run's clean-up):
            # plans fit the table's real size, and no dead rows linger in its indexes.
            cursor.execute(f"VACUUM ANALYZE {Job._meta.db_table}")
    return [fleet.runner(TAG, number, max_concurrency=ROOM)[1] for number in range(runners)]


def claiming_runner(base: str, token: str, claimed: list[tuple[int, str]] | None = None):
    """A simulated runner claiming jobs (noting them in ``claimed``); None when the queue
    is empty."""
    headers = {"Host": server.office_host(), "Authorization": f"Runner {token}"}

    def client(session: requests.Session) -> list[float] | None:
        started = time.perf_counter()
        response = session.post(f"{base}/api/v1/runner/claim/", headers=headers)
        elapsed = time.perf_counter() - started
        if response.status_code == 204:
            return None
        assert response.status_code == 200, (response.status_code, response.text[:300])
        if claimed is not None:
            job = response.json()
            claimed.append((job["id"], job["token"]))
        return [elapsed]

    return client


def completing_runner(base: str, token: str, claimed: list[tuple[int, str]]):
    """The same runner reporting its claimed jobs done; None when all are reported."""
    headers = {"Host": server.office_host(), "Authorization": f"Runner {token}"}

    def client(session: requests.Session) -> list[float] | None:
        if not claimed:
            return None
        job, job_token = claimed.pop()
        started = time.perf_counter()
        done = session.post(
            f"{base}/api/v1/runner/jobs/{job}/complete/",
            headers=headers,
            json={"succeeded": True, "exit_code": 0, "token": job_token},
        )
        elapsed = time.perf_counter() - started
        assert done.status_code == 200, (done.status_code, done.text[:300])
        return [elapsed]

    return client


@contextmanager
def jobs_ending_meanwhile():
    """Marks the benchmark's running jobs succeeded every ``FINISH_EVERY`` seconds."""
    stop = threading.Event()

    def finish() -> None:
        try:
            while not stop.wait(FINISH_EVERY):
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {Job._meta.db_table} SET status = 'succeeded',"
                        " finished_at = now(), lease_expires_at = NULL"
                        " WHERE pool = %s AND status = 'running'",
                        [TAG],
                    )
        finally:
            connection.close()

    finisher = threading.Thread(target=finish)
    finisher.start()
    try:
        yield
    finally:
        stop.set()
        finisher.join()


def run(
    *,
    seconds: float = 10.0,
    runners: int = 8,
    finished: int = 100_000,
    queued: int = 15_000,
    member_count: int = 4,
    deployments_per_member: int = 2,
    never_analyzed: bool = True,
) -> Result:
    """The claims on this database (analyzed), then, with ``never_analyzed``, on a fresh one
    never analyzed."""
    sizes = {
        "seconds": seconds,
        "runners": runners,
        "finished": finished,
        "queued": queued,
        "member_count": member_count,
        "deployments_per_member": deployments_per_member,
    }
    analyzed = measure(**sizes, analyze=True)
    fresh = None
    if never_analyzed:
        with fresh_database.never_analyzed() as url:
            fresh = Side.from_json(fresh_database.run_in(url, "job_claims", sizes))
    return Result(
        runners=runners,
        finished_jobs=finished,
        queued_jobs=queued,
        analyzed=analyzed,
        never_analyzed=fresh,
    )


def measure(
    *,
    seconds: float,
    runners: int,
    finished: int,
    queued: int,
    member_count: int,
    deployments_per_member: int,
    analyze: bool,
) -> Side:
    """Healthz, claims and completions on the database this process uses."""
    statistics: list[dict] = []
    cleanup()
    try:
        with fleet.office_site():
            if not analyze:
                fresh_database.keep_unanalyzed()
            tokens = _set_up(
                member_count=member_count,
                deployments_per_member=deployments_per_member,
                runners=runners,
                finished=finished,
                queued=queued,
                analyze=analyze,
            )
            with server.running() as base:
                health = server.hammer([server.get_healthz(base)] * runners, seconds=seconds)
                with jobs_ending_meanwhile():
                    claims = server.hammer(
                        [claiming_runner(base, token) for token in tokens], seconds=seconds
                    )
                claimed: list[list[tuple[int, str]]] = [[] for _ in tokens]
                server.hammer(
                    [
                        claiming_runner(base, token, mine)
                        for token, mine in zip(tokens, claimed, strict=True)
                    ],
                    seconds=seconds / 2,
                )
                completions = server.hammer(
                    [
                        completing_runner(base, token, mine)
                        for token, mine in zip(tokens, claimed, strict=True)
                    ],
                    seconds=seconds * 10,
                )
            statistics = fresh_database.statistics_state()
    finally:
        cleanup()
    return Side(health=health, claims=claims, completions=completions, statistics=statistics)


def _side_lines(side: Side) -> list[str]:
    return [
        f"  {'/healthz (baseline)':<28}{side.health.per_second:>10.0f} req/s"
        f"  (p50 {side.health.percentile(0.5) * 1000:.1f} ms,"
        f" p99 {side.health.percentile(0.99) * 1000:.1f} ms)",
        f"  {'claim (ours)':<28}{side.claims.per_second:>10.0f} claims/s"
        f"  (p50 {side.claims.percentile(0.5) * 1000:.1f} ms,"
        f" p99 {side.claims.percentile(0.99) * 1000:.1f} ms;"
        f" {side.claims.requests} jobs claimed)",
        f"  {'ratio claims / healthz':<28}{side.ratio:>10.2f} ×",
        f"  {'then complete (ours)':<28}{side.completions.per_second:>10.0f} req/s"
        f"  (p50 {side.completions.percentile(0.5) * 1000:.1f} ms,"
        f" p99 {side.completions.percentile(0.99) * 1000:.1f} ms;"
        f" {side.completions.requests} jobs completed)",
    ]


def report(result: Result) -> str:
    lines = [
        f"Claiming jobs through the runner API: {result.runners} concurrent runners, "
        f"{result.finished_jobs} finished and {result.queued_jobs} queued jobs, "
        f"gunicorn {server.WORKERS} workers × {server.THREADS} threads",
        *_side_lines(result.analyzed),
    ]
    fresh = result.never_analyzed
    if fresh is not None:
        never = all(table["never_analyzed"] for table in fresh.statistics)
        lines += [
            "  On a fresh database whose tables were never analyzed"
            f" ({'none analyzed' if never else 'SOME WERE ANALYZED'} at the end:"
            f" {', '.join(table['table'] for table in fresh.statistics)}):",
            *_side_lines(fresh),
            f"  {'ratio never / analyzed':<28}{fresh.ratio / result.analyzed.ratio:>10.2f} ×"
            "  (claims / healthz on each)",
        ]
    return "\n".join(lines)


def child(sizes: dict) -> dict:
    """One side measured on the database of ``DATABASE_URL``, never analyzed (``run`` calls
    it through ``python -m bench job_claims --json '{…}'`` on a fresh database)."""
    return asdict(measure(**sizes, analyze=False))
