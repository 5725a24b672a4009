"""A real Celery worker runs the beat task that carries out a leave date once it has come."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from billing import services as billing
from members.lifecycle.tasks import TASK, apply_due_leavings
from robots.models import Deployment, Job
from robots.services.jobs import enqueue
from tenants.models import Organisation
from tests.test_worker import worker, worker_process  # noqa: F401 (the module's worker)

pytestmark = [pytest.mark.worker, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_beat_runs_the_leaving_task_every_hour():
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule[TASK] == 3600.0


def test_the_worker_retires_a_leaving_members_robots_and_closes_its_site(
    worker,  # noqa: F811
    aarhus,
    odense,
    make_deployment,
):
    yesterday = timezone.localdate() - timedelta(days=1)
    billing.set_member_term(organisation=aarhus, joined_on=date(2025, 1, 1), left_on=yesterday)
    leaving = make_deployment(aarhus)
    queued = enqueue(deployment=leaving, trigger=Job.Trigger.MANUAL)

    apply_due_leavings.delay()

    worker.wait_for(lambda: not Organisation.objects.get(pk=aarhus.pk).is_active)
    leaving.refresh_from_db()
    queued.refresh_from_db()
    assert leaving.status == Deployment.Status.RETIRED
    assert queued.status == Job.Status.CANCELLED
    assert Organisation.objects.get(pk=odense.pk).is_active
