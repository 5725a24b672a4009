"""The alert centre's bulk acknowledge and the alerts' assignee."""

import pytest
from django.utils import timezone

from core.models import AuditEvent
from robots.models import Job
from robots.monitoring.models import Alert
from robots.schedules import COPENHAGEN
from robots.services import jobs
from tenants.models import Notification, Role
from tests.robots.monitoring.test_pages import alert_of, shown

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(office, operator, site_client):
    return site_client(office, operator)


def test_the_office_acknowledges_several_alerts_at_once(aarhus, odense, operator, operator_client):
    first, second = alert_of(aarhus), alert_of(odense)
    resolved = alert_of(aarhus)
    resolved.state, resolved.resolved_at = Alert.State.RESOLVED, resolved.last_seen
    resolved.save()
    untouched = alert_of(aarhus)
    body = operator_client.get("/alerts/").content.decode()
    assert 'data-testid="alert-bulk"' in body and f'value="{first.pk}" id="choose-alert' in body
    response = operator_client.post(
        "/alerts/bulk/?state=active",
        {"alerts": [first.pk, second.pk, resolved.pk], "action": "acknowledge"},
    )
    assert response.status_code == 302 and response.url == "/alerts/?state=active"
    states = dict(Alert.objects.values_list("pk", "state"))
    assert states[first.pk] == states[second.pk] == Alert.State.ACKNOWLEDGED
    assert states[resolved.pk] == Alert.State.RESOLVED
    assert states[untouched.pk] == Alert.State.OPEN
    assert Alert.objects.get(pk=first.pk).acknowledged_by == operator
    acknowledged = AuditEvent.objects.filter(action="monitoring.alert.acknowledged")
    assert sorted(acknowledged.values_list("target_id", flat=True)) == sorted(
        [str(first.pk), str(second.pk)]
    )


def test_the_office_gives_alerts_to_an_operator_who_is_told(
    aarhus, office, operator, operator_client, make_user
):
    colleague = make_user("vagt@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    alerts = [alert_of(aarhus), alert_of(aarhus)]
    data = {"alerts": [alert.pk for alert in alerts], "action": "assign", "assignee": colleague.pk}
    operator_client.post("/alerts/bulk/", data)
    assert set(Alert.objects.values_list("assignee", flat=True)) == {colleague.pk}
    note = Notification.objects.get(recipient=colleague, url="/alerts/?assignee=me")
    assert note.params == {"count": 2}
    event = AuditEvent.objects.filter(action="monitoring.alert.assigned").first()
    assert event.changes == {"assignee": [None, colleague.pk]}
    # Hers only: the filter "mine", on her site.
    assert shown(operator_client.get("/alerts/?assignee=me")) == set()
    assert shown(operator_client.get("/alerts/?assignee=none")) == set()
    page = operator_client.get("/alerts/").content.decode()
    assert f'data-assignee="{colleague.pk}"' in page
    # Given back to no one.
    operator_client.post("/alerts/bulk/", {**data, "assignee": ""})
    assert set(Alert.objects.values_list("assignee", flat=True)) == {None}


def test_an_alert_goes_only_to_someone_who_may_handle_it(
    aarhus, office, operator_client, make_user, process_owner
):
    alert = alert_of(aarhus)
    finance = make_user("fin@robotkontor.dk", office, Role.FINANCE)
    for assignee in (finance, process_owner):  # no operator; another site's person
        response = operator_client.post(
            "/alerts/bulk/", {"alerts": [alert.pk], "action": "assign", "assignee": assignee.pk}
        )
        assert response.status_code == 302
    assert Alert.objects.get().assignee is None


def test_a_member_assigns_its_own_alerts_and_no_one_elses(
    aarhus, odense, process_owner, site_client, make_user
):
    mine, theirs = alert_of(aarhus), alert_of(odense)
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    client = site_client(aarhus, process_owner)
    client.post("/alerts/bulk/", {"alerts": [mine.pk], "action": "assign", "assignee": admin.pk})
    assert Alert.objects.get(pk=mine.pk).assignee == admin
    client.post("/alerts/bulk/", {"alerts": [theirs.pk], "action": "acknowledge"})
    assert Alert.objects.get(pk=theirs.pk).state == Alert.State.OPEN


def test_staff_cannot_act_on_alerts_in_bulk(aarhus, staff, site_client):
    alert = alert_of(aarhus)
    client = site_client(aarhus, staff)
    assert 'data-testid="alert-bulk"' not in client.get("/alerts/").content.decode()
    response = client.post("/alerts/bulk/", {"alerts": [alert.pk], "action": "acknowledge"})
    assert response.status_code == 403
    assert Alert.objects.get().state == Alert.State.OPEN


def test_the_dashboards_refresh_themselves_and_count_todays_runs_by_hour(
    aarhus, odense, office, operator, process_owner, site_client, make_deployment, make_runner
):
    runner, _token = make_runner()
    ours, theirs = make_deployment(aarhus), make_deployment(odense)
    for deployment, succeeded in [(ours, True), (ours, False), (theirs, False)]:
        job = jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
        jobs.claim(runner)
        jobs.complete(runner, job.pk, succeeded=succeeded)
    hour = timezone.localtime(timezone.now(), COPENHAGEN).hour

    office_page = site_client(office, operator).get("/operations/")
    body = office_page.content.decode()
    assert 'hx-trigger="every 30s"' in body and 'hx-select="#operations"' in body
    row = office_page.context["runs_by_hour"][-1]
    assert (row["hour"], row["succeeded"], row["failed"]) == (hour, 1, 2)
    assert f'data-hour="{hour}"' in body

    member_page = site_client(aarhus, process_owner).get("/operations/")
    row = member_page.context["runs_by_hour"][-1]
    assert (row["succeeded"], row["failed"]) == (1, 1)
    assert 'data-testid="operations-poll"' in member_page.content.decode()
