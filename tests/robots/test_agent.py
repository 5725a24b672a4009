"""The runner agent against a live server: it fetches the package, runs the robot with its
parameters, streams the output into the member's schema and reports the outcome."""

import threading
import time

import pytest
from django_tenants.utils import schema_context

from robots import services as deployments
from robots.agent import RunnerAgent
from robots.models import Job
from robots.runlogs.models import JobLogLine
from robots.services import jobs
from tests.fixtures.catalog import zipped

pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]

ROBOT = b"""
import json, os, sys, time
parameters = json.loads(os.environ["RK_PARAMETERS"])
print("Hej fra robotten")
print("Afdeling:", parameters["afdeling"])
print("advarsel", file=sys.stderr)
print("hjemme i", os.environ["HOME"] == os.getcwd() or "arbejdsmappen")
if parameters.get("sleep"):
    time.sleep(parameters["sleep"])
sys.exit(parameters.get("exit", 0))
"""


@pytest.fixture
def archived_version(packaged_robot):
    return packaged_robot({"robot.py": ROBOT})


@pytest.fixture
def run_job(aarhus, archived_version, process_owner, operator, make_runner, live_server, tmp_path):
    _runner, token = make_runner()
    agent = RunnerAgent(
        url=live_server.url,
        token=token,
        work_root=tmp_path / "jobs",
        cache_root=tmp_path / "cache",
        poll_seconds=0.1,
    )

    def start(parameters):
        deployment = deployments.create_deployment(
            organisation=aarhus,
            robot_version=archived_version,
            name="Lejetilbud",
            parameters=parameters,
            schedule="",
            process_owner=process_owner,
            actor=operator,
        )
        return jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)

    yield agent, start
    # Close the kept-alive HTTP connection, so the server's thread ends with its database
    # connection before the test database is dropped.
    agent.close()


def lines_of(organisation, job) -> list[tuple[str, str]]:
    with schema_context(organisation.schema_name):
        return list(
            JobLogLine.objects.filter(job_id=job.pk)
            .order_by("number")
            .values_list("stream", "text")
        )


def test_the_agent_runs_a_robot_and_streams_its_output(aarhus, run_job, tmp_path):
    agent, start = run_job
    job = start({"afdeling": "Vest"})
    assert agent.run_once() is True
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.exit_code == 0
    assert job.finished_at >= job.started_at
    lines = lines_of(aarhus, job)
    assert ("stdout", "Hej fra robotten") in lines
    assert ("stdout", "Afdeling: Vest") in lines
    assert ("stderr", "advarsel") in lines
    assert ("stdout", "hjemme i True") not in lines  # HOME is the job's folder, not the robot's
    assert list((tmp_path / "jobs").iterdir()) == []  # the working directory is cleaned up
    assert agent.run_once() is False


def test_a_failing_robot_fails_its_job(run_job):
    agent, start = run_job
    job = start({"afdeling": "Øst", "exit": 3})
    agent.run_once()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.exit_code == 3


def test_a_package_whose_checksum_no_longer_matches_is_refused(aarhus, run_job, archived_version):
    agent, start = run_job
    job = start({"afdeling": "Nord"})
    with archived_version.archive.open("wb") as file:
        file.write(zipped({"robot.py": b"print('tampered')"}))
    agent.run_once()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "checksum" in job.message
    assert all("tampered" not in text for _stream, text in lines_of(aarhus, job))


def test_a_kill_request_reaches_the_robot_through_the_heartbeat(run_job, operator, settings):
    settings.ROBOTS_LEASE_SECONDS = 15  # heartbeats every 5 s
    agent, start = run_job
    job = start({"afdeling": "Syd", "sleep": 60})
    worker = threading.Thread(target=agent.run_once)
    began = time.monotonic()
    worker.start()
    while Job.objects.get(pk=job.pk).status != Job.Status.RUNNING:
        time.sleep(0.1)
    jobs.request_stop(job=Job.objects.get(pk=job.pk), actor=operator, kill=True)
    worker.join(timeout=30)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert time.monotonic() - began < 30  # long before the robot's 60 s sleep ends
