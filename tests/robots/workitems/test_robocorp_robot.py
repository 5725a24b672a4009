"""End to end: a robot written for Robocorp Control Room (``robocorp-workitems``, installed
from its own requirements.txt by the real agent) works our queue against a live server."""

from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from robots import services as deployments
from robots.agent import RunnerAgent
from robots.credentials import redaction
from robots.credentials import services as credentials
from robots.models import Job
from robots.runlogs.models import JobArtifact, JobLogLine
from robots.services import jobs
from robots.workitems import services
from robots.workitems.models import WorkItem, WorkItemOutput

pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]
Status = WorkItem.Status
PASSWORD = "Kodeord-Til-EG-Bolig-2024"

ROBOT = b"""
import os
from pathlib import Path

from robocorp import workitems
from robocorp.workitems import ApplicationException, BusinessException

print("Logger ind med", os.environ["RK_CRED_EG_BOLIG_PASSWORD"])
for item in workitems.inputs:
    with item:
        action = item.payload["action"]
        print("Sag", item.payload["sag"], action)
        if action == "business":
            raise BusinessException(code="NO_CPR", message="CPR mangler")
        if action == "application":
            raise ApplicationException(message="EG Bolig svarer ikke")
        output = item.create_output()
        output.payload = {"sag": item.payload["sag"], "brev": "sendt"}
        Path("brev.txt").write_text("Kvittering for sag %s" % item.payload["sag"])
        output.add_file("brev.txt")
        output.save()
        item.done()
print("Faerdig")
"""


@pytest.fixture
def robocorp_version(packaged_robot):
    return packaged_robot({"robot.py": ROBOT, "requirements.txt": b"robocorp-workitems\n"})


def test_a_robocorp_robot_works_the_queue_and_its_password_never_reaches_the_log(
    aarhus,
    robocorp_version,
    process_owner,
    operator,
    make_runner,
    live_server,
    tmp_path,
    venv_cache,
):
    deployment = deployments.create_deployment(
        organisation=aarhus,
        robot_version=robocorp_version,
        name="Lejetilbud",
        parameters={},
        schedule="",
        process_owner=process_owner,
        actor=operator,
    )
    with schema_context(aarhus.schema_name):
        credentials.create_credential(
            organisation=aarhus,
            actor=process_owner,
            name="EG Bolig",
            kind="username_password",
            username="robot01",
            password=PASSWORD,
            allowed_deployments=[deployment],
        )
        queue = services.create_queue(
            name="Lejetilbud", deployment=deployment, max_retries=2, retry_delay_seconds=0
        )
        plan = {"1": "done", "2": "business", "3": "application", "4": "done"}
        items = {
            sag: services.add_item(queue, reference=sag, payload={"sag": sag, "action": action})
            for sag, action in plan.items()
        }
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    _runner, token = make_runner()
    agent = RunnerAgent(
        url=live_server.url,
        token=token,
        work_root=tmp_path / "jobs",
        cache_root=venv_cache,
        poll_seconds=0.1,
    )
    try:
        redaction.forget_all_secrets()  # the agent must mask by itself, as on its own machine
        assert agent.run_once() is True
    finally:
        agent.close()
        redaction.forget_all_secrets()

    job.refresh_from_db()
    with schema_context(aarhus.schema_name):
        log = list(
            JobLogLine.objects.filter(job_id=job.pk)
            .order_by("number")
            .values_list("text", flat=True)
        )
        assert job.status == Job.Status.SUCCEEDED, (job.message, log)
        final = {sag: WorkItem.objects.get(pk=item.pk) for sag, item in items.items()}
        outputs = list(WorkItemOutput.objects.order_by("parent__reference"))
        output_files = [
            (output.parent.reference, [f.name for f in output.files.all()]) for output in outputs
        ]
    assert {sag: item.status for sag, item in final.items()} == {
        "1": Status.DONE,
        "2": Status.BUSINESS_EXCEPTION,
        "3": Status.APPLICATION_EXCEPTION,
        "4": Status.DONE,
    }
    assert final["2"].reason == "NO_CPR: CPR mangler"
    assert final["3"].attempts == 2  # an application error was tried again, then handed back
    assert [output.payload for output in outputs] == [
        {"sag": "1", "brev": "sendt"},
        {"sag": "4", "brev": "sendt"},
    ]
    assert output_files == [("1", ["brev.txt"]), ("4", ["brev.txt"])]
    assert "Logger ind med ***" in log and "Faerdig" in log
    assert all(PASSWORD not in line for line in log)


TASKS = b"""
import os
import sys
from pathlib import Path

from robocorp import workitems
from robocorp.tasks import task


@task
def lejetilbud():
    print("Python:", sys.prefix)
    print("VIRTUAL_ENV:", os.environ.get("VIRTUAL_ENV"))
    output = Path(os.environ["RK_OUTPUT_DIR"])
    for item in workitems.inputs:
        print("Sag", item.payload["sag"], "id", item.id)
        (output / ("sag-%s.txt" % item.payload["sag"])).write_text("Behandlet")
        item.done()
"""
MANIFEST = b'{"command": ["python", "-m", "robocorp.tasks", "run", "tasks.py"]}'


@pytest.fixture
def tasks_version(packaged_robot):
    return packaged_robot(
        {
            "tasks.py": TASKS,
            "robotkontor.json": MANIFEST,
            "requirements.txt": b"robocorp-tasks\nrobocorp-workitems\n",
        }
    )


def test_a_robocorp_tasks_robot_runs_in_its_own_virtualenv_and_keeps_its_artifacts(
    aarhus, tasks_version, process_owner, operator, make_runner, live_server, tmp_path, venv_cache
):
    """The usual Control Room project layout, unchanged: ``python -m robocorp.tasks run
    tasks.py`` runs with the package's virtualenv (robocorp is not installed in the runner's
    own Python), gets its first input as RC_WORKITEM_ID, and what it writes to its output
    folder (robocorp's log.html with it) becomes the run's artifacts. A second run, its
    queue empty, ends at the claim as succeeded without starting the robot."""
    deployment = deployments.create_deployment(
        organisation=aarhus,
        robot_version=tasks_version,
        name="Lejetilbud (robocorp.tasks)",
        parameters={},
        schedule="",
        process_owner=process_owner,
        actor=operator,
    )
    with schema_context(aarhus.schema_name):
        queue = services.create_queue(name="Lejetilbud", deployment=deployment)
        items = [
            services.add_item(queue, reference=sag, payload={"sag": sag}) for sag in ("1", "2")
        ]
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    _runner, token = make_runner()
    agent = RunnerAgent(
        url=live_server.url,
        token=token,
        work_root=tmp_path / "jobs",
        cache_root=venv_cache,
        poll_seconds=0.1,
    )
    try:
        assert agent.run_once() is True
        idle = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
        assert agent.run_once() is False  # ended at the claim: nothing to do
    finally:
        agent.close()

    job.refresh_from_db()
    idle.refresh_from_db()
    with schema_context(aarhus.schema_name):
        log = list(
            JobLogLine.objects.filter(job_id=job.pk)
            .order_by("number")
            .values_list("text", flat=True)
        )
        assert job.status == Job.Status.SUCCEEDED, (job.message, log)
        done = [WorkItem.objects.get(pk=item.pk) for item in items]
        artifacts = set(JobArtifact.objects.filter(job_id=job.pk).values_list("name", flat=True))
        idle_log = list(JobLogLine.objects.filter(job_id=idle.pk).values_list("text", flat=True))
    assert [(item.status, item.attempts) for item in done] == [(Status.DONE, 1)] * 2
    assert job.first_work_item == items[0].pk
    virtualenv = next(line.split(": ", 1)[1] for line in log if line.startswith("VIRTUAL_ENV:"))
    assert Path(virtualenv).parent == venv_cache
    assert f"Python: {virtualenv}" in log  # the package's Python ran the robot
    assert f"Sag 1 id {items[0].pk}" in log
    assert {"sag-1.txt", "sag-2.txt", "log.html"} <= artifacts
    assert idle.status == Job.Status.SUCCEEDED
    assert any(line.startswith("Ingen opgaver") for line in idle_log)
