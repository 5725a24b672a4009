"""Claims under sustained load, against gunicorn as production configures it
(``platform/gunicorn.conf.py``: the app preloaded, workers recycled far apart) vs the same
server with the recycling it had before (``max_requests`` 2,000, jitter 200, no preload), each
for ``seconds`` (60 by default; ``python -m bench sustained_load --seconds 10`` while
developing), one after the other on the same jobs.

Eight simulated runners claim as fast as they can; every ``FINISH_EVERY`` seconds one
statement puts the claimed jobs back in the queue, so the queue never runs dry and the running
set stays small. Both servers have 2 workers × 4 threads. It prints, for each, claims per
second, p50/p99/max latency, the worst second (fewest claims answered in one whole second, and
the slowest claim answered in it) and how many workers were started after the first ones;
then the ratios production / before.
"""

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

from bench import fleet, job_claims, server
from robots.models import Job

CONFIG = server.ROOT / "platform" / "gunicorn.conf.py"
FINISH_EVERY = 0.05
WARM_UP_SECONDS = 5.0
# gunicorn's recycling before this benchmark was written (see platform/README.md).
BEFORE = ["--max-requests=2000", "--max-requests-jitter=200"]


@dataclass
class Stretch:
    """One server's sustained claims: (answered at, latency) per claim, from the start."""

    label: str
    seconds: float
    answered: list[tuple[float, float]]
    workers_started: int

    @property
    def load(self) -> server.Load:
        return server.Load(
            requests=len(self.answered),
            seconds=self.seconds,
            latencies=[latency for _at, latency in self.answered],
        )

    @property
    def per_second(self) -> float:
        return self.load.per_second

    def p99(self) -> float:
        return self.load.percentile(0.99)

    def slowest(self) -> float:
        return max((latency for _at, latency in self.answered), default=0.0)

    def worst_second(self) -> tuple[int, int, float]:
        """(second, claims answered in it, slowest claim answered in it) for the whole
        second with the fewest claims answered."""
        buckets: dict[int, list[float]] = {second: [] for second in range(int(self.seconds))}
        for at, latency in self.answered:
            if int(at) in buckets:
                buckets[int(at)].append(latency)
        if not buckets:
            return 0, len(self.answered), self.slowest()
        second = min(buckets, key=lambda s: (len(buckets[s]), -max(buckets[s], default=0)))
        return second, len(buckets[second]), max(buckets[second], default=0.0)


@dataclass
class Result:
    seconds: float
    before: Stretch
    production: Stretch


@contextmanager
def gunicorn(options: list[str], environment: dict) -> Iterator[tuple[str, Callable[[], int]]]:
    """gunicorn serving ``config.wsgi`` with ``options``; yields (base URL, a function that
    counts the workers started so far)."""
    port = server.free_port()
    environment = (
        os.environ
        | {
            "DATABASE_URL": server.database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "false",
            "GUNICORN_WORKERS": str(server.WORKERS),
            "GUNICORN_THREADS": str(server.THREADS),
        }
        | environment
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *options,
        f"--bind=127.0.0.1:{port}",
        f"--workers={server.WORKERS}",
        f"--threads={server.THREADS}",
        "--worker-class=gthread",
        "--log-level=info",
        "--access-logfile=/dev/null",
        "config.wsgi",
    ]
    with tempfile.NamedTemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=server.ROOT, env=environment, stdout=log, stderr=log
        )

        def workers_started() -> int:
            with open(log.name, "rb") as read:
                return read.read().count(b"Booting worker with pid")

        try:
            base = f"http://127.0.0.1:{port}"
            server._wait_until_ready(process, base, log)
            server.warm_up(base, server.WORKERS * server.THREADS)
            yield base, workers_started
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def jobs_back_in_the_queue():
    """Puts the benchmark's running jobs back in the queue every ``FINISH_EVERY`` seconds."""
    stop = threading.Event()

    def requeue() -> None:
        try:
            while not stop.wait(FINISH_EVERY):
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {Job._meta.db_table} SET status = 'queued', runner_id = NULL,"
                        " started_at = NULL, lease_expires_at = NULL, token_hash = '',"
                        " attempts = 0 WHERE pool = %s AND status = 'running'",
                        [job_claims.TAG],
                    )
        finally:
            connection.close()

    thread = threading.Thread(target=requeue)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _sustain(label: str, base: str, tokens: list[str], seconds: float, started) -> Stretch:
    answered: list[tuple[float, float]] = []
    begin = 0.0  # set when the measured stretch starts

    def stamped(client):
        def call(session):
            measured = client(session)
            if measured is not None:
                answered.append((time.perf_counter() - begin, measured[0]))
            return measured

        return call

    with jobs_back_in_the_queue():
        # Both servers warm (every worker has answered claims) before the measured stretch:
        # a first start is not what this measures, a restart under load is.
        server.hammer(
            [job_claims.claiming_runner(base, token) for token in tokens],
            seconds=min(WARM_UP_SECONDS, seconds / 4),
        )
        initial = started()
        begin = time.perf_counter()
        load = server.hammer(
            [stamped(job_claims.claiming_runner(base, token)) for token in tokens], seconds=seconds
        )
    return Stretch(
        label=label,
        seconds=load.seconds,
        answered=answered,
        workers_started=started() - initial,
    )


def run(
    *,
    seconds: float = 60.0,
    runners: int = 8,
    finished: int = 100_000,
    queued: int = 5_000,
    member_count: int = 4,
    deployments_per_member: int = 2,
) -> Result:
    job_claims.cleanup()
    try:
        with fleet.office_site():
            tokens = job_claims._set_up(
                member_count=member_count,
                deployments_per_member=deployments_per_member,
                runners=runners,
                finished=finished,
                queued=queued,
            )
            with gunicorn(BEFORE, {}) as (base, started):
                before = _sustain("before (2,000 + 0..200)", base, tokens, seconds, started)
            with gunicorn([f"--config={CONFIG}"], {}) as (base, started):
                production = _sustain("platform/gunicorn.conf.py", base, tokens, seconds, started)
    finally:
        job_claims.cleanup()
    return Result(seconds=seconds, before=before, production=production)


def report(result: Result) -> str:
    def line(stretch: Stretch) -> str:
        second, claims, slowest_in_it = stretch.worst_second()
        return (
            f"  {stretch.label:<28}{stretch.per_second:>8.0f} claims/s"
            f"  p50 {stretch.load.percentile(0.5) * 1000:.1f} ms,"
            f" p99 {stretch.p99() * 1000:.1f} ms, max {stretch.slowest() * 1000:.0f} ms;"
            f" worst second (s {second}): {claims} claims, slowest {slowest_in_it * 1000:.0f} ms;"
            f" {stretch.workers_started} workers started"
        )

    before, production = result.before, result.production
    worst_before, worst_production = before.worst_second()[1], production.worst_second()[1]
    return "\n".join(
        [
            f"Sustained claims for {result.seconds:.0f} s on each server"
            f" (gunicorn {server.WORKERS} workers × {server.THREADS} threads, 8 runners)",
            line(before),
            line(production),
            f"  {'ratio claims/s':<28}{production.per_second / before.per_second:>8.2f} ×"
            "  (production / before)",
            f"  {'ratio p99':<28}{production.p99() / before.p99():>8.2f} ×",
            f"  {'ratio worst second':<28}"
            + (f"{worst_production / worst_before:>8.2f} ×" if worst_before else "     n/a  ")
            + "  (claims answered in it)",
        ]
    )
