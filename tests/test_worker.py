"""A real Celery worker process runs tenant-aware tasks inside the right member's schema.

One worker per module, started as a subprocess on the test database and the test run's
broker (Redis when CELERY_BROKER_URL is set, otherwise kombu's SQLAlchemy transport on the
test database itself). It consumes a queue whose name is unique to this run, so it never
takes another run's messages and no other worker takes ours, whichever broker is shared.
"""

import os
import re
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from kombu.exceptions import OperationalError as BrokerError
from kombu.transport.sqlalchemy import Channel as SqlAlchemyChannel

from config.celery import app as celery_app
from core.tasks import enqueue_in_schema
from robots.tasks import abandon_stuck_items_everywhere
from robots.workitems.models import WorkItem, WorkQueue
from robots.workitems.tasks import abandon_stuck_items
from tests.conftest import database_url

pytestmark = [pytest.mark.worker, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parent.parent
TIMEOUT = 60.0


TASK_RECEIVED = re.compile(r"Task [\w.]+\[([0-9a-f-]+)\] received")
TASK_ENDED = re.compile(r"Task [\w.]+\[([0-9a-f-]+)\] (?:succeeded|raised|retry|rejected)")


class Worker:
    def __init__(self, process: subprocess.Popen, log_path: Path):
        self.process = process
        self.log_path = log_path

    def log(self, start: int = 0) -> str:
        return self.log_path.read_text(errors="replace")[start:]

    def idle(self, start: int = 0) -> bool:
        """Every task the worker received since ``start`` has ended (succeeded, raised, was
        retried or rejected)."""
        log = self.log(start)
        received = set(TASK_RECEIVED.findall(log))
        return received <= set(TASK_ENDED.findall(log))

    def wait_for(self, condition, timeout: float = TIMEOUT) -> None:
        """Poll ``condition`` until it holds; fail with the worker's log if it never does."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}):\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"not done after {timeout:.0f} s; worker log:\n{self.log()}")
            time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    process.terminate()  # warm shutdown
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def delete_queue(name: str) -> None:
    """Remove the run's queue (and, on Redis, its binding keys) from the broker."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
            queue = celery_app.amqp.queues[name](conn.default_channel)
            queue.declare()
            queue.delete()
    except (BrokerError, OSError) as error:  # don't hide the test's own failure
        print(f"could not delete the queue {name}: {error!r}")


def release_sqlalchemy_broker_connections() -> None:
    """kombu keeps one engine per broker URL for the life of the process; its pooled
    connection to the test database would stop pytest-django from dropping it."""
    for engine, _session in SqlAlchemyChannel._engines.values():
        engine.dispose()


@pytest.fixture(scope="module")
def worker_process(django_db_setup, tmp_path_factory):
    queue = f"rk-test-worker-{uuid.uuid4().hex}"
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": celery_app.conf.broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "config", "worker"),
        *("--pool", "solo", "--concurrency", "1", "--loglevel", "INFO"),
        *("--without-heartbeat", "--without-gossip", "--without-mingle"),
    ]
    with log_path.open("w") as output:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    # This process sends to the same queue (the worker reads it from the environment).
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        yield Worker(process, log_path)
    finally:
        celery_app.conf.task_default_queue = previous
        stop(process)
        delete_queue(queue)
        release_sqlalchemy_broker_connections()


@pytest.fixture
def worker(worker_process):
    """The module's worker; its log from this test is shown if the test fails."""
    start = len(worker_process.log())
    yield worker_process
    print(worker_process.log(start)[-6000:])
    # The test's database is emptied next (TRUNCATE): a task still running would deadlock
    # with it, so the test ends when the worker has finished what it was sent.
    worker_process.wait_for(lambda: worker_process.idle(start))


def stuck_item(schema_name: str) -> int:
    """A work item in progress for two hours in a queue that gives up after 30 minutes."""
    with schema_context(schema_name):
        queue = WorkQueue.objects.create(name="Lejetilbud", abandon_after_minutes=30)
        item = WorkItem.objects.create(
            queue=queue,
            reference="L-1",
            status=WorkItem.Status.IN_PROGRESS,
            started_at=timezone.now() - timedelta(hours=2),
        )
        return item.pk


def status_in(schema_name: str, pk: int) -> str:
    with schema_context(schema_name):
        return WorkItem.objects.get(pk=pk).status


def test_task_runs_in_the_members_schema_and_only_there(worker, aarhus, odense):
    aarhus_item = stuck_item(aarhus.schema_name)
    odense_item = stuck_item(odense.schema_name)

    with transaction.atomic():
        enqueue_in_schema(abandon_stuck_items, aarhus.schema_name)

    worker.wait_for(lambda: status_in(aarhus.schema_name, aarhus_item) == "abandoned")
    assert status_in(odense.schema_name, odense_item) == "in_progress"


def test_beat_task_fans_out_to_every_member(worker, aarhus, odense):
    items = {org.schema_name: stuck_item(org.schema_name) for org in (aarhus, odense)}

    abandon_stuck_items_everywhere.delay()

    worker.wait_for(
        lambda: all(status_in(schema, pk) == "abandoned" for schema, pk in items.items())
    )
