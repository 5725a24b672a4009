"""Reliability: what holds when runners run side by side as processes, die mid-job, repeat
their reports, or the Celery broker is down (see docs/execution.md, "Reliability").

Runners and robots here are real OS processes on the test database: claimers and reservers
started as Python subprocesses, and ``manage.py runner`` against ``live_server``.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from kombu.exceptions import OperationalError as BrokerError

from robots import services as deployments
from robots.agent import RunnerAgent
from robots.models import Job
from robots.monitoring.models import Alert
from robots.monitoring.tasks import detect_problems
from robots.services import jobs
from robots.workitems import services as workitems
from robots.workitems.models import WorkItem, WorkItemEvent
from tenants.models import Notification
from tenants.services import site_host
from tests.conftest import broker_unreachable, database_url
from tests.test_worker import worker, worker_process  # noqa: F401  (the real worker, shared)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
TIMEOUT = 60.0
Status = Job.Status

# --- helpers ------------------------------------------------------------------------------


def wait_until(condition, *, timeout=TIMEOUT, what="the condition", log=None):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            details = f"\n{log()}" if log else ""
            pytest.fail(f"{what} did not happen within {timeout:.0f} s{details}")
        time.sleep(0.05)
    return result


def subprocess_environment(**extra) -> dict[str, str]:
    """Our environment, pointed at the test database (pytest-django's, not the real one)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        **extra,
    }


def runner_client(office, token: str) -> Client:
    return Client(HTTP_HOST=site_host(office), HTTP_AUTHORIZATION=f"Runner {token}")


def robot_client(office, job_token: str) -> Client:
    return Client(HTTP_HOST=site_host(office), HTTP_AUTHORIZATION=f"Bearer {job_token}")


def complete_url(job) -> str:
    return f"/api/v1/runner/jobs/{job.pk}/complete/"


def billed_fields(job: Job) -> tuple:
    """What the billing engine reads of a job, and what must never change once final."""
    job.refresh_from_db()
    return (
        job.status,
        job.started_at,
        job.finished_at,
        job.exit_code,
        job.message,
        job.attempts,
        job.runner_id,
    )


# --- 1. many runners and robots as OS processes --------------------------------------------

CONTENDER = r"""
import json, sys, time
from pathlib import Path

import django

django.setup()
from django.db import connection
from django_tenants.utils import schema_context

kind, folder, number, *args = sys.argv[1:]
folder = Path(folder)
(folder / f"ready-{number}").touch()
deadline = time.monotonic() + 60
while not (folder / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("never told to go")
    time.sleep(0.01)
taken = []
if kind == "jobs":
    from robots.services import jobs
    from robots.models import Runner

    runner = Runner.objects.get(pk=int(args[0]))
    while (claimed := jobs.claim(runner)) is not None:
        taken.append(claimed.job_id)
else:
    from robots.workitems import services
    from robots.workitems.models import WorkQueue

    with schema_context(args[0]):
        queue = WorkQueue.objects.get(pk=int(args[1]))
        while (item := services.reserve_next(queue)) is not None:
            taken.append(item.pk)
connection.close()
print(json.dumps(taken))
"""


def contend(kind: str, folder: Path, argument_lists: list[list]) -> list[list[int]]:
    """Start one process per argument list, let them all go at once, return what each took."""
    folder.mkdir()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CONTENDER, kind, str(folder), str(n), *map(str, arguments)],
            cwd=BASE_DIR,
            env=subprocess_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, arguments in enumerate(argument_lists)
    ]
    try:
        wait_until(
            lambda: (
                all((folder / f"ready-{n}").exists() for n in range(len(processes)))
                or any(process.poll() is not None for process in processes)
            ),
            what="the processes getting ready",
        )
        (folder / "go").touch()
        results = []
        for process in processes:
            out, err = process.communicate(timeout=TIMEOUT)
            assert process.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_runner_processes_claiming_at_once_never_get_the_same_job(
    aarhus, odense, make_deployment, make_runner, tmp_path
):
    per_member = 150
    for member in (aarhus, odense):
        member.max_concurrent_jobs = 1000
        member.save()
        deployment = make_deployment(member, max_concurrency=1000)
        for _ in range(per_member):
            jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    fleet = [make_runner(max_concurrency=1000)[0] for _ in range(4)]

    taken = contend("jobs", tmp_path / "claims", [[runner.pk] for runner in fleet])

    everything = [pk for pks in taken for pk in pks]
    assert len(everything) == len(set(everything)) == 2 * per_member  # none twice, none left
    assert sum(1 for pks in taken if pks) > 1  # they really claimed side by side
    for runner, pks in zip(fleet, taken, strict=True):
        assert set(pks) == set(
            Job.objects.filter(runner=runner, status=Status.RUNNING).values_list("pk", flat=True)
        )
    assert not Job.objects.exclude(status=Status.RUNNING).exists()
    assert set(Job.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_robot_processes_reserving_at_once_never_get_the_same_item(aarhus, tmp_path):
    count = 400
    with schema_context(aarhus.schema_name):
        queue = workitems.create_queue(name="Samtidige processer")
        workitems.add_items_bulk(
            queue, [workitems.ItemRow(line=n, reference=f"P-{n}") for n in range(count)]
        )

    taken = contend("items", tmp_path / "items", [[aarhus.schema_name, queue.pk]] * 4)

    everything = [pk for pks in taken for pk in pks]
    assert len(everything) == len(set(everything)) == count
    assert sum(1 for pks in taken if pks) > 1
    with schema_context(aarhus.schema_name):
        assert set(WorkItem.objects.values_list("status", "attempts")) == {("in_progress", 1)}
        assert WorkItemEvent.objects.filter(to_status="in_progress").count() == count


# --- 2. a runner killed mid-job -----------------------------------------------------------

# Each run records its process id and job token as claim-<n>.json in the job's folder, then
# waits for a "finish" file and exits with the parameters' exit code.
ROBOT = b"""
import json, os, pathlib, sys, time
parameters = json.loads(os.environ["RK_PARAMETERS"])
folder = pathlib.Path(parameters["folder"])
claim = len(list(folder.glob("claim-*.json"))) + 1
state = {"pid": os.getpid(), "token": os.environ["RK_JOB_TOKEN"]}
(folder / "claim.tmp").write_text(json.dumps(state))
(folder / "claim.tmp").rename(folder / f"claim-{claim}.json")
print("run", claim)
deadline = time.monotonic() + 120
while not (folder / "finish").exists():
    if time.monotonic() > deadline:
        sys.exit(99)
    time.sleep(0.05)
sys.exit(parameters.get("exit", 0))
"""


@pytest.fixture
def waiting_robot(packaged_robot):
    return packaged_robot({"robot.py": ROBOT})


@pytest.fixture
def queue_job(aarhus, waiting_robot, process_owner, operator, tmp_path):
    """Queue a run of the waiting robot; returns the job and its folder."""

    def start(*, max_attempts=1, exit=0) -> tuple[Job, Path]:
        folder = tmp_path / "robot-state"
        folder.mkdir()
        deployment = deployments.create_deployment(
            organisation=aarhus,
            robot_version=waiting_robot,
            name="Ventende robot",
            parameters={"folder": str(folder), "exit": exit},
            schedule="",
            process_owner=process_owner,
            actor=operator,
        )
        deployment.max_attempts = max_attempts
        deployment.save()
        return jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL), folder

    return start


class AgentProcess:
    """``manage.py runner`` as its own process group, with its output in a file."""

    def __init__(self, url: str, token_file: Path, work: Path, *extra: str):
        work.mkdir(parents=True)
        self.log_path = work / "agent.log"
        command = [
            *(sys.executable, "manage.py", "runner", "--url", url),
            *("--token-file", str(token_file), "--work-dir", str(work), "--poll", "0.2"),
            *extra,
        ]
        with self.log_path.open("w") as output:
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=subprocess_environment(),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def kill(self) -> None:
        """SIGKILL to the agent's whole process group; it gets no chance to report."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=TIMEOUT)


def robot_run(folder: Path, claim: int, agent: AgentProcess) -> dict:
    path = folder / f"claim-{claim}.json"
    wait_until(path.exists, what=f"the robot's run {claim}", log=agent.log)
    return json.loads(path.read_text())


def kill_mid_job(job: Job, folder: Path, agent: AgentProcess) -> dict:
    """Wait until the robot runs, then kill the agent and the robot (the machine died)."""
    run = robot_run(folder, 1, agent)
    assert Job.objects.get(pk=job.pk).status == Status.RUNNING
    agent.kill()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(run["pid"], signal.SIGKILL)  # the robot runs in its own session
    return run


def expire(job: Job) -> dict:
    """Run the lease sweep (as beat does) until the dead runner's lease has run out."""
    deadline = time.monotonic() + TIMEOUT
    while (counts := jobs.expire_leases()) == {"requeued": 0, "failed": 0}:
        assert Job.objects.get(pk=job.pk).status == Status.RUNNING
        assert time.monotonic() < deadline, "the lease never ran out"
        time.sleep(0.1)
    return counts


@pytest.fixture
def short_lease(settings):
    settings.ROBOTS_LEASE_SECONDS = 2  # the live server runs in this process


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_a_killed_run_is_queued_again_and_the_next_agent_finishes_it_once(
    office, queue_job, make_runner, live_server, short_lease, tmp_path
):
    runner, token = make_runner()
    token_file = tmp_path / "runner-token"
    token_file.write_text(token)
    job, folder = queue_job(max_attempts=2)
    first = AgentProcess(live_server.url, token_file, tmp_path / "first")
    try:
        killed = kill_mid_job(job, folder, first)
    finally:
        first.kill()

    assert expire(job) == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert (job.status, job.runner_id, job.attempts) == (Status.QUEUED, None, 1)
    assert job.started_at is None and job.finished_at is None  # the killed run is not billed
    requeued_at = job.queued_at

    # The same runner, restarted, takes the job again.
    second = AgentProcess(live_server.url, token_file, tmp_path / "second", "--once")
    try:
        again = robot_run(folder, 2, second)
        assert again["token"] != killed["token"]
        client = runner_client(office, token)
        # A late report of the killed claim (a request replayed after the crash) is refused
        # and does not end the run now under way.
        late = {"succeeded": False, "exit_code": -9, "token": killed["token"]}
        running = billed_fields(job)
        response = client.post(complete_url(job), late, "application/json")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "conflict"
        assert billed_fields(job) == running
        assert running[0] == Status.RUNNING and running[2] is None

        (folder / "finish").touch()
        second.process.wait(timeout=TIMEOUT)
        assert second.process.returncode == 0, second.log()
    finally:
        second.kill()

    final = billed_fields(job)
    status, started_at, finished_at, exit_code, _message, attempts, runner_id = final
    assert (status, exit_code, attempts, runner_id) == (Status.SUCCEEDED, 0, 2, runner.pk)
    assert requeued_at <= started_at <= finished_at  # the one pair: the second run's, server time

    # Replays change nothing: the runner's own report again, the killed claim's, one without
    # a token, and the lease sweep.
    replay = {"succeeded": True, "exit_code": 0, "message": "", "token": again["token"]}
    response = client.post(complete_url(job), replay, "application/json")
    assert response.status_code == 200
    assert response.json() == {"id": job.pk, "status": "succeeded"}
    assert client.post(complete_url(job), late, "application/json").status_code == 409
    untokened = {"succeeded": False, "exit_code": 1}
    assert client.post(complete_url(job), untokened, "application/json").json()["status"] == (
        "succeeded"
    )
    assert jobs.expire_leases() == {"requeued": 0, "failed": 0}
    assert billed_fields(job) == final


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_a_killed_run_without_attempts_left_fails_when_its_lease_runs_out(
    office, queue_job, make_runner, live_server, short_lease, tmp_path
):
    runner, token = make_runner()
    token_file = tmp_path / "runner-token"
    token_file.write_text(token)
    job, folder = queue_job(max_attempts=1)
    agent = AgentProcess(live_server.url, token_file, tmp_path / "agent")
    try:
        killed = kill_mid_job(job, folder, agent)
    finally:
        agent.kill()
    lease = Job.objects.get(pk=job.pk).lease_expires_at

    assert expire(job) == {"requeued": 0, "failed": 1}
    final = billed_fields(job)
    status, started_at, finished_at, _exit_code, _message, attempts, runner_id = final
    assert (status, attempts, runner_id) == (Status.FAILED, 1, runner.pk)
    assert started_at < finished_at == lease  # billed up to the moment the lease ran out

    late = {"succeeded": True, "exit_code": 0, "token": killed["token"]}
    client = runner_client(office, token)
    response = client.post(complete_url(job), late, "application/json")
    assert response.status_code == 409
    assert jobs.expire_leases() == {"requeued": 0, "failed": 0}
    assert billed_fields(job) == final
    assert Job.objects.filter(status=Status.QUEUED).count() == 0


# --- 3. repeated reports ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_repeated_completion_or_release_changes_nothing(
    office, aarhus, make_deployment, make_runner
):
    deployment = make_deployment(aarhus)
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    with schema_context(aarhus.schema_name):
        queue = workitems.create_queue(name="Gentagelser", deployment=deployment)
        item = workitems.add_item(queue, reference="G-1")
    _runner, token = make_runner()
    runner = runner_client(office, token)
    spec = runner.post("/api/v1/runner/claim/").json()
    assert spec["id"] == job.pk
    robot = robot_client(office, spec["token"])
    assert robot.post(f"/api/v1/robot/work-queues/{queue.pk}/reserve/").json()["id"] == item.pk

    release = {"outcome": "done", "message": "", "output": {"svar": "ja"}}
    release_url = f"/api/v1/robot/work-items/{item.pk}/release/"
    first = robot.post(release_url, release, "application/json")
    with schema_context(aarhus.schema_name):
        released = WorkItem.objects.values().get(pk=item.pk)
        events = list(WorkItemEvent.objects.filter(item=item).values_list("pk", flat=True))
    second = robot.post(release_url, release, "application/json")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["status"] == "done"
    with schema_context(aarhus.schema_name):
        assert WorkItem.objects.values().get(pk=item.pk) == released
        assert list(WorkItemEvent.objects.filter(item=item).values_list("pk", flat=True)) == events
        assert len(events) == 3  # added, reserved, done: one event for the release

    done = {"succeeded": True, "exit_code": 0, "message": "ok", "token": spec["token"]}
    first = runner.post(complete_url(job), done, "application/json")
    recorded = billed_fields(job)
    second = runner.post(complete_url(job), done, "application/json")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"id": job.pk, "status": "succeeded"}
    assert billed_fields(job) == recorded
    # The job has ended: its token no longer opens the work-item API.
    assert robot.post(release_url, release, "application/json").status_code == 401


# --- 4. the broker is down --------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_runners_claim_and_complete_while_the_broker_is_down_and_alerts_follow_later(
    office,
    queue_job,
    make_runner,
    live_server,
    worker,  # noqa: F811  (the fixture imported above)
    tmp_path,
):
    job, folder = queue_job(exit=3)
    (folder / "finish").touch()  # the robot ends at once, with exit code 3
    _runner, token = make_runner()
    agent = RunnerAgent(
        url=live_server.url,
        token=token,
        work_root=tmp_path / "jobs",
        cache_root=tmp_path / "cache",
    )
    try:
        with broker_unreachable():
            with pytest.raises(BrokerError):  # the broker really is down
                detect_problems.delay()
            # The queue is PostgreSQL: claim, heartbeat, logs and completion need no broker.
            assert agent.run_once() is True
            assert agent.run_once() is False
    finally:
        agent.close()
    job.refresh_from_db()
    assert (job.status, job.exit_code) == (Status.FAILED, 3)
    # Nobody has been told yet: alerts come from the detectors, which read the database.
    assert not Alert.objects.exists() and not Notification.objects.exists()

    log_start = len(worker.log())
    detect_problems.delay()  # what beat sends every minute, now that the broker is back

    alert = wait_until(
        lambda: Alert.objects.filter(kind=Alert.Kind.FAILED_RUN, subject_id=job.pk).first(),
        what="the failed run's alert",
        log=worker.log,
    )
    assert alert.organisation_id == job.organisation_id
    told = Notification.objects.filter(url__endswith=f"#alert-{alert.pk}")
    assert told.filter(recipient=job.deployment.process_owner).exists()
    # The e-mails went out from the worker (the console backend writes them to its log; the
    # subject is Danish, so MIME-encoded there).
    owner = job.deployment.process_owner.email
    worker.wait_for(lambda: f"To: {owner}" in worker.log(log_start))
    assert "Subject: " in worker.log(log_start)
