"""While a month is open, beat books its finished runs so a member sees its usage so far."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from billing import selectors, services, tasks
from billing.models import UsageEntry
from tests.billing.conftest import finished_job

pytestmark = pytest.mark.django_db


def test_finished_runs_are_booked_once_as_the_month_goes(aarhus, make_deployment, rate_card):
    deployment = make_deployment(aarhus)
    job = finished_job(deployment, timezone.now() - timedelta(seconds=130), 125)  # this month
    assert settings.CELERY_BEAT_SCHEDULE["book-usage-so-far"]["task"] == (
        "billing.tasks.book_usage_so_far"
    )
    assert tasks.book_usage_so_far()["jobs"] == 1
    entry = UsageEntry.objects.get(source=f"job:{job.pk}")
    assert (entry.organisation, entry.kind, entry.quantity) == (aarhus, "runtime", 125)
    assert tasks.book_usage_so_far()["jobs"] == 0  # booked once, however often beat runs
    period = services.get_period(services.month_of(timezone.localdate()))
    assert list(selectors.usage_so_far(aarhus, period).values_list("pk", flat=True)) == [entry.pk]
