"""The office operator finds yesterday's failed run of one member in the runs list, in the
browser: filters by member and status, opens the run, follows the link to its deployment
and back, and tries the run again."""

import pytest

from robots.models import Job
from robots.services import jobs
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_the_operator_filters_the_runs_and_retries_a_failed_one(
    page, site_url, office, operator, aarhus, odense, make_deployment, make_runner
):
    runner, _token = make_runner()
    lejetilbud = make_deployment(aarhus, name="Lejetilbud")
    failed = jobs.enqueue(deployment=lejetilbud, trigger=Job.Trigger.SCHEDULE)
    jobs.claim(runner)
    jobs.complete(runner, failed.pk, succeeded=False, message="EG Bolig svarer ikke")
    jobs.enqueue(deployment=lejetilbud, trigger=Job.Trigger.MANUAL)
    jobs.enqueue(deployment=make_deployment(odense, name="Forbrug"), trigger=Job.Trigger.API)

    sign_in(page, site_url(office, "/accounts/login/"), operator.email)
    page.goto(site_url(office, "/jobs/"))
    assert page.locator("[data-testid=job-table] tbody tr").count() == 3
    page.select_option("#id_member", "aarhus")
    page.select_option("#id_status", "failed")
    with page.expect_navigation():
        page.click("[data-testid=job-filters] button[type=submit]")
    rows = page.locator("[data-testid=job-table] tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-job") == str(failed.pk)
    assert "status=failed" in page.locator("[data-testid=job-export]").get_attribute("href")

    page.click(f"[data-job='{failed.pk}'] td:first-child a")
    assert page.locator("[data-testid=job-status]").get_attribute("data-status") == "failed"
    page.click("[data-testid=job-deployment]")
    assert page.locator("h1").inner_text() == "Lejetilbud"
    page.go_back()
    with page.expect_navigation():
        page.click("[data-action=retry]")
    retried = Job.objects.exclude(pk=failed.pk).filter(trigger=Job.Trigger.MANUAL).latest("pk")
    assert page.url.endswith(f"/jobs/{retried.pk}/")
    assert page.locator("[data-testid=job-status]").get_attribute("data-status") == "queued"
    assert "sat i kø igen" in page.locator("body").inner_text()
