"""The beat entry point and the task that runs in a member's schema."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context

from robots.monitoring import tasks
from robots.monitoring.models import Alert
from robots.services import jobs
from robots.workitems import services as queues

pytestmark = pytest.mark.django_db


def test_beat_runs_the_detectors_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["detect-problems"]
    assert entry == {"task": "robots.monitoring.tasks.detect_problems", "schedule": 60.0}


def test_the_member_task_reads_the_schema_it_runs_in(aarhus, odense):
    with schema_context(aarhus.schema_name):
        queue = queues.create_queue(name="Frister")
        queues.add_item(queue, reference="C-1", deadline=timezone.now() - timedelta(hours=1))
        found = tasks.detect_member_problems()
    assert found[Alert.Kind.DEADLINE_AT_RISK]["raised"] == 1
    [alert] = Alert.objects.filter(kind=Alert.Kind.DEADLINE_AT_RISK)
    assert alert.organisation == aarhus and alert.severity == "critical"
    with schema_context(odense.schema_name):
        assert tasks.detect_member_problems()[Alert.Kind.DEADLINE_AT_RISK]["resolved"] == 0


def test_the_office_task_runs_the_public_detectors_and_sends_one_task_per_member(
    aarhus, odense, make_runner, django_capture_on_commit_callbacks
):
    runner, _token = make_runner()
    jobs.heartbeat(runner, job_ids=[], now=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks() as sent:
        found = tasks.detect_problems()
    assert found[Alert.Kind.RUNNER_SILENT]["raised"] == 1
    assert set(found) == {"failed_run", "missed_schedule", "runner_silent"}
    # One detect_member_problems per member schema, sent after commit (not run here); the
    # other callbacks are the notification e-mails.
    member_tasks = [callback for callback in sent if "apply_async" in callback.__code__.co_names]
    assert len(member_tasks) == 2
