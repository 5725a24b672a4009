from datetime import UTC, datetime

import pytest
from django.utils import translation

from robots.services import jobs

# A Tuesday, not a Danish holiday: 09:00 in Copenhagen.
NOW = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def finish_job(make_runner):
    """Run a job of the deployment to its end on a runner, the way runners do."""
    runner, _token = make_runner()

    def finish(deployment, *, succeeded: bool):
        job = jobs.enqueue(deployment=deployment, trigger="manual")
        claimed = jobs.claim(runner).job
        assert claimed.pk == job.pk
        return jobs.complete(runner, job.pk, succeeded=succeeded, message="boom")

    return finish
