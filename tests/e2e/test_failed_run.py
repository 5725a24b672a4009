"""A run fails; the member's process owner finds the alert, opens the run, reads its log and
the runner's message in Danish, and acknowledges the alert, in the browser."""

import pytest

from robots.models import Job
from robots.monitoring import detectors
from robots.monitoring.models import Alert
from robots.runlogs import services as runlogs
from robots.services import jobs
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_a_failed_run_is_read_in_its_log_and_its_alert_acknowledged(
    page, site_url, aarhus, process_owner, make_deployment, make_runner
):
    runner, _token = make_runner()
    deployment = make_deployment(aarhus, name="Lejetilbud")
    job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.SCHEDULE)
    jobs.claim(runner)
    runlogs.append_lines(
        job,
        [
            {"number": 1, "stream": "stdout", "text": "Henter lejetilbud fra EG Bolig"},
            {"number": 2, "stream": "stderr", "text": "Forbindelsen til EG Bolig blev afbrudt"},
        ],
    )
    # As the runner agent reports a robot that exits with 1 (its message in English).
    jobs.complete(runner, job.pk, succeeded=False, message="The robot ended with exit code 1.")
    detectors.detect_failed_runs()
    alert = Alert.objects.get(kind=Alert.Kind.FAILED_RUN)

    sign_in(page, site_url(aarhus, "/accounts/login/"), process_owner.email)
    page.goto(site_url(aarhus, "/alerts/"))
    row = page.locator(f"[data-testid=alert-table] tr[data-alert='{alert.pk}']")
    assert row.get_attribute("data-state") == "open"
    assert f"#{job.pk}" in row.inner_text()  # an id, never "#47.200"
    row.locator(f"a[href='/jobs/{job.pk}/']").click()
    page.wait_for_load_state()

    assert page.locator("[data-testid=job-status]").get_attribute("data-status") == "failed"
    body = page.locator("main").inner_text()
    assert "Robotten sluttede med afslutningskode 1." in body
    assert "The robot ended" not in body
    log = page.locator("[data-testid=job-log]")
    assert "Forbindelsen til EG Bolig blev afbrudt" in log.inner_text()

    page.goto(site_url(aarhus, "/alerts/"))
    row = page.locator(f"[data-testid=alert-table] tr[data-alert='{alert.pk}']")
    with page.expect_navigation():
        row.locator("form[action$='/acknowledge/'] button").click()
    row = page.locator(f"[data-testid=alert-table] tr[data-alert='{alert.pk}']")
    assert row.get_attribute("data-state") == "acknowledged"
    assert "Kvitteret af" in row.inner_text()
    alert.refresh_from_db()
    assert alert.state == Alert.State.ACKNOWLEDGED and alert.acknowledged_by == process_owner
