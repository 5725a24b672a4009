"""The runs list (filters, paging, CSV), retrying a run and running with parameters."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from robots.models import Job
from robots.schedules import COPENHAGEN
from robots.services import jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(office, operator, site_client):
    return site_client(office, operator)


@pytest.fixture
def owner_client(aarhus, process_owner, site_client):
    return site_client(aarhus, process_owner)


def finish(job, *, succeeded, runner, message=""):
    jobs.claim(runner)
    jobs.complete(runner, job.pk, succeeded=succeeded, message=message)
    job.refresh_from_db()
    return job


def shown(page) -> list[int]:
    return [job.pk for job in page.context["jobs"]]


def test_the_office_filters_runs_by_member_deployment_trigger_status_runner_and_period(
    aarhus, odense, operator_client, make_deployment, make_runner
):
    in_aarhus = make_deployment(aarhus)
    in_odense = make_deployment(odense)
    runner, _token = make_runner()
    failed = finish(
        jobs.enqueue(deployment=in_aarhus, trigger=Job.Trigger.MANUAL),
        succeeded=False,
        runner=runner,
    )
    api_run = jobs.enqueue(deployment=in_aarhus, trigger=Job.Trigger.API)
    other = jobs.enqueue(deployment=in_odense, trigger=Job.Trigger.MANUAL)
    old = jobs.enqueue(deployment=in_odense, trigger=Job.Trigger.MANUAL)
    Job.objects.filter(pk=old.pk).update(queued_at=datetime(2026, 1, 15, 0, 30, tzinfo=COPENHAGEN))

    assert shown(operator_client.get("/jobs/")) == [other.pk, api_run.pk, failed.pk, old.pk]
    assert shown(operator_client.get("/jobs/?member=aarhus")) == [api_run.pk, failed.pk]
    assert shown(operator_client.get(f"/jobs/?deployment={in_odense.pk}")) == [other.pk, old.pk]
    assert shown(operator_client.get("/jobs/?trigger=api")) == [api_run.pk]
    assert shown(operator_client.get("/jobs/?status=failed")) == [failed.pk]
    assert shown(operator_client.get(f"/jobs/?runner={runner.pk}")) == [failed.pk]
    # The period is in Danish dates: 00:30 on 15 January in Copenhagen is that day.
    period = "/jobs/?since=2026-01-15&until=2026-01-15"
    assert shown(operator_client.get(period)) == [old.pk]
    assert shown(operator_client.get("/jobs/?since=2026-01-16")) == [
        other.pk,
        api_run.pk,
        failed.pk,
    ]


def test_a_member_filters_only_its_own_runs_and_has_no_member_filter(
    aarhus, odense, owner_client, make_deployment
):
    mine = jobs.enqueue(deployment=make_deployment(aarhus), trigger=Job.Trigger.MANUAL)
    theirs = make_deployment(odense)
    jobs.enqueue(deployment=theirs, trigger=Job.Trigger.MANUAL)
    page = owner_client.get("/jobs/?member=odense")
    assert shown(page) == [mine.pk]
    assert "member" not in page.context["form"].fields
    assert theirs not in page.context["form"].fields["deployment"].queryset
    # Another member's deployment is no choice: the filter is refused, nothing else shown.
    assert shown(owner_client.get(f"/jobs/?deployment={theirs.pk}")) == [mine.pk]


def test_runs_are_paged_beyond_the_newest_fifty(aarhus, operator_client, make_deployment):
    deployment = make_deployment(aarhus)
    created = [
        jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL).pk for _ in range(53)
    ]
    first = operator_client.get("/jobs/?trigger=manual")
    assert shown(first) == created[::-1][:50]
    body = first.content.decode()
    assert "trigger=manual&amp;page=2" in body and "53" in body
    assert shown(operator_client.get("/jobs/?trigger=manual&page=2")) == created[2::-1]


def test_the_runs_list_costs_the_same_queries_however_many_rows(
    aarhus, odense, operator_client, make_deployment, make_runner, django_assert_max_num_queries
):
    runner, _token = make_runner()

    def grow():
        for member in (aarhus, odense):
            job = jobs.enqueue(deployment=make_deployment(member), trigger=Job.Trigger.MANUAL)
            finish(job, succeeded=False, runner=runner)

    grow()
    url = "/jobs/?status=failed&since=2026-01-01"
    operator_client.get(url)
    with CaptureQueriesContext(connection) as few:
        operator_client.get(url)
    for _ in range(5):
        grow()
    with django_assert_max_num_queries(len(few)):
        page = operator_client.get(url)
    assert len(page.context["jobs"]) == 12


def test_the_filtered_runs_export_as_csv(
    aarhus, odense, operator_client, make_deployment, make_runner
):
    runner, _token = make_runner()
    failed = finish(
        jobs.enqueue(deployment=make_deployment(aarhus, name="Lejetilbud"), trigger="manual"),
        succeeded=False,
        runner=runner,
        message="Login afvist",
    )
    jobs.enqueue(deployment=make_deployment(odense), trigger=Job.Trigger.MANUAL)
    response = operator_client.get("/jobs/export/?status=failed")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="koersler-')
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].split(";") == [
        "Kørsel",
        "Idriftsættelse",
        "Medlem",
        "Udløser",
        "Status",
        "Sat i kø",
        "Startet",
        "Afsluttet",
        "Varighed (s)",
        "Runner",
        "Forsøg",
        "Meddelelse",
    ]
    assert len(lines) == 2
    cells = lines[1].split(";")
    assert cells[:5] == [str(failed.pk), "Lejetilbud", "Aarhus Kommune", "Manuelt", "Mislykket"]
    queued = failed.queued_at.astimezone(COPENHAGEN)
    assert cells[5] == queued.strftime("%d.%m.%Y %H:%M:%S")
    assert cells[9:] == [runner.name, "1", "Login afvist"]


def test_a_member_exports_only_its_own_runs(aarhus, odense, owner_client, make_deployment):
    jobs.enqueue(deployment=make_deployment(odense), trigger=Job.Trigger.MANUAL)
    mine = jobs.enqueue(deployment=make_deployment(aarhus), trigger=Job.Trigger.MANUAL)
    lines = owner_client.get("/jobs/export/").content.decode("utf-8-sig").splitlines()
    assert "Medlem" not in lines[0]
    assert [line.split(";")[0] for line in lines[1:]] == [str(mine.pk)]


def test_the_run_page_links_its_deployment(aarhus, owner_client, make_deployment):
    job = jobs.enqueue(deployment=make_deployment(aarhus), trigger=Job.Trigger.MANUAL)
    body = owner_client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/deployments/{job.deployment_id}/" data-testid="job-deployment"' in body


def test_the_process_owner_retries_a_failed_run(
    aarhus, owner_client, process_owner, make_deployment, make_runner
):
    runner, _token = make_runner()
    deployment = make_deployment(aarhus)
    failed = finish(
        jobs.enqueue(deployment=deployment, trigger=Job.Trigger.API, parameters={"dage_frist": 3}),
        succeeded=False,
        runner=runner,
    )
    assert 'data-action="retry"' in owner_client.get(f"/jobs/{failed.pk}/").content.decode()
    response = owner_client.post(f"/jobs/{failed.pk}/retry/")
    retried = Job.objects.exclude(pk=failed.pk).get()
    assert response.status_code == 302 and response.url == f"/jobs/{retried.pk}/"
    assert retried.status == Job.Status.QUEUED and retried.trigger == Job.Trigger.MANUAL
    assert retried.parameters == {"dage_frist": 3} and retried.requested_by == process_owner
    event = AuditEvent.objects.get(action="robots.job.retried")
    assert event.target_id == str(failed.pk) and event.changes == {"retry": retried.pk}
    assert event.actor == process_owner and event.organisation == aarhus


def test_only_a_failed_or_cancelled_run_is_retried(aarhus, owner_client, make_deployment):
    queued = jobs.enqueue(deployment=make_deployment(aarhus), trigger=Job.Trigger.MANUAL)
    assert 'data-action="retry"' not in owner_client.get(f"/jobs/{queued.pk}/").content.decode()
    owner_client.post(f"/jobs/{queued.pk}/retry/")
    assert Job.objects.count() == 1


def test_staff_and_other_members_cannot_retry(
    aarhus, odense, staff, site_client, make_user, make_deployment, make_runner
):
    from tenants.models import Role

    runner, _token = make_runner()
    failed = finish(
        jobs.enqueue(deployment=make_deployment(aarhus), trigger=Job.Trigger.MANUAL),
        succeeded=False,
        runner=runner,
    )
    assert site_client(aarhus, staff).post(f"/jobs/{failed.pk}/retry/").status_code == 403
    admin = make_user("admin@odense.dk", odense, Role.MEMBER_ADMIN)
    assert site_client(odense, admin).post(f"/jobs/{failed.pk}/retry/").status_code == 404
    assert Job.objects.count() == 1


def test_a_run_with_parameters_from_the_deployment_page(aarhus, owner_client, make_deployment):
    deployment = make_deployment(aarhus)
    page = owner_client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert 'data-testid="run-parameters-form"' in page and 'value="Vest"' in page
    data = {"with_parameters": "1", "param_afdeling": "Øst", "param_dage_frist": "14"}
    response = owner_client.post(f"/deployments/{deployment.pk}/run/", data)
    job = Job.objects.get()
    assert response.url == f"/jobs/{job.pk}/"
    # Only what differs from the deployment's own is the run's.
    assert job.parameters == {"afdeling": "Øst", "send_kvittering": False}
    assert job.effective_parameters["dage_frist"] == 14


def test_a_run_with_parameters_is_checked_field_by_field(aarhus, owner_client, make_deployment):
    deployment = make_deployment(aarhus)
    data = {"with_parameters": "1", "param_afdeling": "Ø", "param_dage_frist": "99"}
    response = owner_client.post(f"/deployments/{deployment.pk}/run/", data)
    assert response.status_code == 400
    form = response.context["run_form"]
    assert set(form.errors) == {"param_afdeling", "param_dage_frist"}
    assert not Job.objects.exists()


def test_a_run_page_offers_its_parameters_to_run_again(aarhus, owner_client, make_deployment):
    deployment = make_deployment(aarhus)
    job = jobs.enqueue(
        deployment=deployment, trigger=Job.Trigger.MANUAL, parameters={"afdeling": "Nord"}
    )
    body = owner_client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"/deployments/{deployment.pk}/?job={job.pk}#run-with-parameters" in body
    form = owner_client.get(f"/deployments/{deployment.pk}/?job={job.pk}").context["run_form"]
    assert form["param_afdeling"].value() == "Nord" and form["param_dage_frist"].value() == 14


def test_the_period_filter_reads_danish_dates(aarhus, operator_client, make_deployment):
    job = jobs.enqueue(deployment=make_deployment(aarhus), trigger=Job.Trigger.MANUAL)
    # 23:30 UTC on 31 March is 1 April in Copenhagen (summer time).
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    Job.objects.filter(pk=job.pk).update(queued_at=late)
    assert shown(operator_client.get("/jobs/?since=2026-04-01&until=2026-04-01")) == [job.pk]
    assert shown(operator_client.get("/jobs/?until=2026-03-31")) == []
