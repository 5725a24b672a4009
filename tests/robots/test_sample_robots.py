"""The demo's sample robots do real work on the sample data shipped with the project: the
demo is loaded, the real agent runs each sample deployment against a live server, and every
work item ends where the robot's logic sends it (clear cases done, unclear ones handed back
to the member's staff with the robot's reason)."""

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from robots.agent import RunnerAgent
from robots.models import Deployment, Job
from robots.monitoring.models import Alert
from robots.monitoring.tasks import detect_problems
from robots.runlogs.models import JobLogLine
from robots.services import jobs, runners
from robots.workitems.models import WorkItem
from tenants.models import Organisation, User

pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]
Status = WorkItem.Status


def run(deployment: Deployment, agent: RunnerAgent) -> Job:
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    assert agent.run_once() is True
    job.refresh_from_db()
    return job


def items_of(schema: str, queue: str) -> dict[str, list[WorkItem]]:
    with schema_context(schema):
        found: dict[str, list[WorkItem]] = {}
        for item in WorkItem.objects.filter(queue__name=queue).order_by("reference"):
            found.setdefault(item.status, []).append(item)
        return found


def log_of(schema: str, job: Job) -> list[str]:
    with schema_context(schema):
        return list(
            JobLogLine.objects.filter(job_id=job.pk)
            .order_by("number")
            .values_list("text", flat=True)
        )


def test_the_demo_sample_robots_work_their_queues(live_server, tmp_path, venv_cache):
    call_command("load_demo")
    _runner, token = runners.register_runner(
        actor=User.objects.get(email="drift@robotkontor.dk"), name="test-runner"
    )
    agent = RunnerAgent(
        url=live_server.url,
        token=token,
        work_root=tmp_path / "jobs",
        cache_root=venv_cache,
        poll_seconds=0.1,
    )
    active = Deployment.objects.filter(status=Deployment.Status.ACTIVE)
    aab = Organisation.objects.get(slug="aab").schema_name
    try:
        # Rental-offer answers: a clear yes or no is registered, three unclear answers wait
        # for a person.
        job = run(active.get(robot_version__robot__slug="lejetilbud"), agent)
        assert job.status == Job.Status.SUCCEEDED, log_of(aab, job)
        answers = items_of(aab, "Svar på lejetilbud")
        assert {item.reference for item in answers[Status.BUSINESS_EXCEPTION]} == {
            "LT-2026-0105",
            "LT-2026-0107",
            "LT-2026-0110",
        }
        registered = {item.reference: item.payload["registreret"] for item in answers[Status.DONE]}
        assert registered["LT-2026-0101"] == "accepteret"
        assert registered["LT-2026-0103"] == "afslået"
        assert len(registered) == 9
        assert "Svaret kan ikke tolkes" in answers[Status.BUSINESS_EXCEPTION][0].reason

        # Consumption statements: readings going backwards or beyond reason are handed back.
        job = run(active.get(robot_version__robot__slug="forbrugsregnskab"), agent)
        assert job.status == Job.Status.SUCCEEDED, log_of(aab, job)
        readings = items_of(aab, "Måleraflæsninger")
        assert {item.reference for item in readings[Status.BUSINESS_EXCEPTION]} == {
            "FR-2026-007",
            "FR-2026-019",
            "FR-2026-024",
        }
        first = next(item for item in readings[Status.DONE] if item.reference == "FR-2026-001")
        assert first.payload["forbrug"] == "5.21"
        assert first.payload["beloeb_kr"] == "5134.46"  # 5.21 MWh x 985.50 kr, rounded half up

        # Invoice posting: the classifier suggests accounts; the three invoices it cannot
        # place confidently go to a person with its best guess.
        job = run(active.get(robot_version__robot__slug="fakturakontering"), agent)
        assert job.status == Job.Status.SUCCEEDED, log_of(aab, job)
        invoices = items_of(aab, "Fakturaer til kontering")
        doubtful = invoices[Status.BUSINESS_EXCEPTION]
        assert {item.payload["leverandoer"] for item in doubtful} == {
            "Jysk Erhverv",
            "Byggemarkedet Silkeborg",
            "Kommunen",
        }
        assert all("Usikkert forslag" in item.reason for item in doubtful)
        posted = {item.payload["tekst"]: item.payload["konto"] for item in invoices[Status.DONE]}
        assert len(posted) and len(invoices[Status.DONE]) == 24
        assert all(account == "2230" for text, account in posted.items() if text.startswith("vand"))

        # The Robot Framework robot checks Aarhus's chart of accounts.
        aarhus = Organisation.objects.get(slug="aarhus").schema_name
        job = run(active.get(robot_version__robot__slug="kontoplan"), agent)
        assert job.status == Job.Status.SUCCEEDED, log_of(aarhus, job)
        log = log_of(aarhus, job)
        assert "Afvigelse: konto 2710 findes 2 gange" in log
        assert "Færdig: 4 afvigelser fundet" in log

        # A run finding its queue empty succeeds with nothing to do, without starting the
        # robot (which has no work-around for an empty queue) and without an alert.
        deployment = active.get(robot_version__robot__slug="lejetilbud")
        job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
        assert agent.run_once() is False  # the claim ended it; nothing else to run
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED, job.message
        assert any("Ingen opgaver" in line for line in log_of(aab, job))
        detect_problems()
        assert not Alert.objects.filter(
            subject_type=Alert.Subject.DEPLOYMENT, subject_id=deployment.pk
        ).exists()
    finally:
        agent.close()
