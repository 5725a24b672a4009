"""The alert centre and the operations dashboards: scoped to the site, acknowledge and
resolve by POST, and a constant number of queries however many rows there are."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from robots.monitoring.models import Alert
from robots.monitoring.services import Finding, raise_alert
from robots.services import jobs
from robots.workitems import services as queues
from tenants.models import Role
from tests.conftest import make_member

pytestmark = pytest.mark.django_db
serial = itertools.count(1)


def alert_of(organisation, kind=Alert.Kind.QUEUE_SLA, subject_type="queue", subject_id=None):
    n = next(serial)
    alert, _new = raise_alert(
        kind,
        Finding(
            key=f"test:{n}",
            organisation=organisation,
            severity="warning",
            subject_type=subject_type,
            subject_id=subject_id or n,
            subject_label=f"Emne {n}",
            message="Something is wrong with %(what)s.",
            params={"what": f"emne {n}"},
        ),
    )
    return alert


def shown(response) -> set[int]:
    html = response.content.decode()
    return {alert.pk for alert in Alert.objects.all() if f'data-alert="{alert.pk}"' in html}


def test_the_office_sees_every_alert_and_filters_them(
    aarhus, odense, office, operator, site_client
):
    mine = alert_of(aarhus)
    theirs = alert_of(odense, kind=Alert.Kind.CREDENTIAL_EXPIRING, subject_type="credential")
    runner = alert_of(None, kind=Alert.Kind.RUNNER_SILENT, subject_type="runner")
    client = site_client(office, operator)
    response = client.get("/alerts/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert shown(response) == {mine.pk, theirs.pk, runner.pk}
    assert "Something is wrong with emne" in response.content.decode()
    assert 'href="/runners/"' in response.content.decode()
    assert shown(client.get("/alerts/?member=odense")) == {theirs.pk}
    assert shown(client.get("/alerts/?kind=runner_silent")) == {runner.pk}
    client.post(f"/alerts/{mine.pk}/resolve/")
    assert shown(client.get("/alerts/?state=resolved")) == {mine.pk}
    assert shown(client.get("/alerts/?state=active")) == {theirs.pk, runner.pk}


def test_a_member_sees_and_handles_only_its_own_alerts(
    aarhus, odense, process_owner, make_user, site_client
):
    mine = alert_of(aarhus)
    theirs = alert_of(odense)
    office_wide = alert_of(None, kind=Alert.Kind.RUNNER_SILENT, subject_type="runner")
    client = site_client(aarhus, process_owner)
    response = client.get("/alerts/")
    assert shown(response) == {mine.pk}
    assert f'href="/queues/{mine.subject_id}/"' in response.content.decode()
    for other in (theirs, office_wide):
        assert client.post(f"/alerts/{other.pk}/acknowledge/").status_code == 404
        assert client.post(f"/alerts/{other.pk}/resolve/").status_code == 404
        other.refresh_from_db()
        assert other.state == "open"

    assert client.post(f"/alerts/{mine.pk}/acknowledge/").status_code == 302
    mine.refresh_from_db()
    assert mine.state == "acknowledged" and mine.acknowledged_by == process_owner
    assert client.post(f"/alerts/{mine.pk}/resolve/").status_code == 302
    mine.refresh_from_db()
    assert mine.state == "resolved" and mine.resolved_by == process_owner

    staff = make_user("medarbejder@aarhus.dk", aarhus, Role.MEMBER)
    staff_client = site_client(aarhus, staff)
    assert shown(staff_client.get("/alerts/")) == {mine.pk}
    again = alert_of(aarhus)
    assert staff_client.post(f"/alerts/{again.pk}/acknowledge/").status_code == 403
    again.refresh_from_db()
    assert again.state == "open"


def test_acknowledging_twice_is_refused_with_a_message(aarhus, process_owner, site_client):
    alert = alert_of(aarhus)
    client = site_client(aarhus, process_owner)
    client.post(f"/alerts/{alert.pk}/acknowledge/")
    response = client.post(
        f"/alerts/{alert.pk}/acknowledge/", follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Only an open alert can be acknowledged." in response.content.decode()


def test_the_alert_centre_keeps_a_constant_query_count(aarhus, office, operator, site_client):
    client = site_client(office, operator)
    alert_of(aarhus)
    client.get("/alerts/")
    with CaptureQueriesContext(connection) as few:
        client.get("/alerts/")
    for _ in range(5):
        alert_of(aarhus, kind=Alert.Kind.FAILED_RUN, subject_type="job")
        alert_of(None, kind=Alert.Kind.RUNNER_SILENT, subject_type="runner")
    with CaptureQueriesContext(connection) as many:
        client.get("/alerts/")
    assert len(many) == len(few)


def add_items(organisation, queue_name, count, *, manual=0):
    with schema_context(organisation.schema_name):
        queue = queues.create_queue(name=queue_name)
        for n in range(count):
            queues.add_item(queue, reference=f"{queue_name}-{n}")
        for _ in range(manual):
            item = queues.reserve_next(queue)
            queues.release(item, outcome="business_exception", message="Mangler CPR")
        return queue


def test_the_office_dashboard_shows_runs_queues_fleet_and_alerts(
    aarhus, odense, office, operator, make_deployment, make_runner, finish_job, site_client
):
    client = site_client(office, operator)
    add_items(aarhus, "Lejetilbud", 3, manual=1)
    add_items(odense, "Boligstøtte", 1)
    deployment = make_deployment(aarhus)
    finish_job(deployment, succeeded=False)
    runner, _token = make_runner(name="windows-1")
    jobs.enqueue(deployment=deployment, trigger="manual")
    running = jobs.claim(runner).job
    jobs.heartbeat(runner, job_ids=[running.pk])  # the other runner never beat: silent
    alert_of(aarhus)

    response = client.get("/operations/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<tr data-job="{running.pk}">' in html
    assert 'data-member="aarhus"' in html and 'data-member="odense"' in html
    aarhus_row = html.split('data-member="aarhus"')[1].split("</tr>")[0]
    assert 'data-count="waiting">2<' in aarhus_row and 'data-count="manual">1<' in aarhus_row
    assert 'data-figure="failed_today">1<' in html
    assert 'data-state="busy">1<' in html and 'data-state="silent">1<' in html
    assert "1 open alert" in html


def test_the_office_dashboard_keeps_a_constant_query_count(
    aarhus, odense, office, operator, make_deployment, make_runner, finish_job, site_client
):
    client = site_client(office, operator)
    deployment = make_deployment(aarhus)
    finish_job(deployment, succeeded=False)
    add_items(aarhus, "Kø A", 1)
    alert_of(aarhus)
    client.get("/operations/")
    with CaptureQueriesContext(connection) as few:
        client.get("/operations/")

    make_member("vejle", "Vejle Kommune", "29189838")
    add_items(odense, "Kø B", 4, manual=2)
    for _ in range(3):
        finish_job(make_deployment(odense), succeeded=False)
        make_runner()
        alert_of(odense)
    for _ in range(2):
        jobs.enqueue(deployment=deployment, trigger="manual")
        jobs.claim(make_runner()[0])
    with CaptureQueriesContext(connection) as many:
        client.get("/operations/")
    assert len(many) == len(few)


def test_the_member_dashboard_shows_its_runs_queues_manual_items_and_alerts(
    aarhus, odense, process_owner, make_deployment, finish_job, site_client
):
    deployment = make_deployment(aarhus, name="Lejetilbud")
    for succeeded in (True, True, False):
        finish_job(deployment, succeeded=succeeded)
    finish_job(make_deployment(odense, name="Odenses robot"), succeeded=False)
    queue = add_items(aarhus, "Lejetilbud", 4, manual=1)
    mine = alert_of(aarhus)
    theirs = alert_of(odense)

    response = site_client(aarhus, process_owner).get("/operations/", HTTP_ACCEPT_LANGUAGE="da")
    html = response.content.decode()
    assert response.status_code == 200
    row = html.split(f'data-deployment="{deployment.pk}"')[1].split("</tr>")[0]
    assert 'data-status="failed"' in row and "66,7 %" in row  # Danish decimal comma
    assert "Odenses robot" not in html
    queue_row = html.split(f'data-queue="{queue.pk}"')[1].split("</tr>")[0]
    assert 'data-count="waiting">3<' in queue_row and 'data-count="manual">1<' in queue_row
    assert f'data-alert="{mine.pk}"' in html and f'data-alert="{theirs.pk}"' not in html


def test_the_member_dashboard_keeps_a_constant_query_count(
    aarhus, process_owner, make_deployment, finish_job, site_client
):
    client = site_client(aarhus, process_owner)
    finish_job(make_deployment(aarhus), succeeded=True)
    add_items(aarhus, "Kø A", 2, manual=1)
    alert_of(aarhus)
    client.get("/operations/")
    with CaptureQueriesContext(connection) as few:
        client.get("/operations/")
    for n in range(3):
        deployment = make_deployment(aarhus, name=f"Robot {n}")
        finish_job(deployment, succeeded=False)
        finish_job(deployment, succeeded=True)
        add_items(aarhus, f"Kø {n}", 3, manual=2)
        alert_of(aarhus)
    with CaptureQueriesContext(connection) as many:
        client.get("/operations/")
    assert len(many) == len(few)
