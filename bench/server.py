"""A real HTTP server for the API benchmarks: gunicorn serving ``config.wsgi`` on a free
localhost port, against the database this process uses, and a concurrent client."""

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
THREADS = 4
START_TIMEOUT_SECONDS = 30


def database_url() -> str:
    """The URL of the database this process is connected to (the test database under pytest).

    The embedded PostgreSQL listens on a Unix socket: its folder goes in ``?host=``, which
    becomes the connection's host option."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):
        return f"postgres://{credentials}@/{db['NAME']}?host={quote(host, safe='/')}"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def office_host() -> str:
    """The Host header of the office site, where the runner and robot APIs answer."""
    return settings.BASE_DOMAIN


@contextmanager
def running(*, workers: int = WORKERS, threads: int = THREADS) -> Iterator[str]:
    """gunicorn with ``workers`` × ``threads`` until the block ends; yields its base URL.

    Debug is off (query logging would dominate), as in production."""
    port = free_port()
    environment = os.environ | {
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        "--worker-class=gthread",
        "--log-level=warning",
    ]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_ready(server, base, log)
            warm_up(base, workers * threads)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def warm_up(base: str, concurrency: int) -> None:
    """Each worker imports the views on its first routed request (``/readyz`` is answered
    before routing): a few rounds of concurrent requests through the URL conf, so no
    benchmark measures that start."""

    def unauthorised_claim() -> None:
        with contextlib.suppress(requests.RequestException):  # a warm-up only
            requests.get(
                f"{base}/api/v1/runner/claim/", headers={"Host": office_host()}, timeout=60
            )

    for _round in range(3):
        threads = [threading.Thread(target=unauthorised_claim) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def _wait_until_ready(server: subprocess.Popen, base: str, log) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited at start:\n{log.read().decode(errors='replace')}")
        try:
            if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not up, or busy starting
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not become ready within {START_TIMEOUT_SECONDS} s")


@dataclass
class Load:
    """What concurrent clients did in one measured stretch."""

    requests: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[
            round(fraction * 100) - 1
        ]


def hammer(
    clients: list[Callable[[requests.Session], list[float] | None]],
    *,
    seconds: float,
) -> Load:
    """Run every client in its own thread with its own session until ``seconds`` pass.

    A client is called again and again with its session; it returns the latencies of the
    requests it counts, or None when it has no more work (its thread stops early)."""
    latencies: list[list[float]] = [[] for _ in clients]
    failures: list[BaseException] = []
    deadline = time.perf_counter() + seconds

    def work(index: int, client) -> None:
        with requests.Session() as session:
            try:
                while time.perf_counter() < deadline:
                    measured = client(session)
                    if measured is None:
                        return
                    latencies[index].extend(measured)
            except (requests.RequestException, AssertionError) as failure:
                failures.append(failure)

    threads = [
        threading.Thread(target=work, args=(index, client)) for index, client in enumerate(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    merged = [latency for per_client in latencies for latency in per_client]
    return Load(requests=len(merged), seconds=elapsed, latencies=merged)


def get_healthz(base: str) -> Callable[[requests.Session], list[float]]:
    def client(session: requests.Session) -> list[float]:
        started = time.perf_counter()
        response = session.get(f"{base}/healthz", headers={"Host": office_host()})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        return [elapsed]

    return client
