"""The audit trail page: the office reads every change, a member only what concerns it."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from core.models import AuditEvent
from orders import services as orders
from orders.models import Order
from tenants.models import Role

pytestmark = pytest.mark.django_db


def actions_on(response) -> list[str]:
    assert response.status_code == 200
    return [event.action for event in response.context["events"]]


def test_a_member_sees_its_own_changes_and_not_anothers(
    aarhus, odense, place, staff, process_owner, make_user, site_client
):
    order = place()
    orders.act_on_order(order=order, action="approve", actor=process_owner, site=aarhus)
    aarhus_page = site_client(aarhus, staff).get("/audit/")
    assert actions_on(aarhus_page) == ["orders.order.changed", "orders.order.placed"]
    odense_client = site_client(odense, make_user("a@odense.dk", odense, Role.MEMBER))
    assert actions_on(odense_client.get("/audit/")) == []
    # The CSV is scoped the same way: another member's download holds only the header.
    rows = odense_client.get("/audit/?format=csv").content.decode("utf-8-sig").splitlines()
    assert len(rows) == 1
    aarhus_rows = site_client(aarhus, staff).get("/audit/?format=csv").content.decode("utf-8-sig")
    assert len(aarhus_rows.splitlines()) == 3


def test_the_office_filters_by_area_and_member(office, aarhus, place, operator, site_client):
    place()
    client = site_client(office, operator)
    everything = actions_on(client.get("/audit/"))
    assert "orders.order.placed" in everything and "catalog.robot.created" in everything
    assert actions_on(client.get("/audit/?area=orders.")) == ["orders.order.placed"]
    assert actions_on(client.get("/audit/?area=orders.&member=odense")) == []
    assert actions_on(client.get("/audit/?area=orders.&member=aarhus")) == ["orders.order.placed"]


def test_the_audit_page_keeps_a_constant_query_count(office, place, operator, site_client):
    client = site_client(office, operator)
    place()
    client.get("/audit/")
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/")
    for _ in range(5):
        place()
    with CaptureQueriesContext(connection) as many:
        client.get("/audit/")
    assert len(many) == len(few)


def test_the_trail_reads_in_danish_with_titles_and_changes_not_codes(
    office, place, operator, process_owner, aarhus, site_client
):
    order = place()
    orders.act_on_order(order=order, action="approve", actor=process_owner, site=aarhus)
    html = site_client(office, operator).get("/audit/").content.decode()
    assert "Bestilling afgivet" in html and "Bestilling flyttet til en ny status" in html
    assert "orders.order.changed</" not in html and "{'" not in html and "['" not in html
    # The status change as its labels, before → after.
    with translation.override("da"):
        before, after = Order.Status.SUBMITTED.label, Order.Status.APPROVED.label
        assert f"{before} → {after}" in html


def test_the_trail_is_paged_and_filtered_by_period_actor_and_object(
    office, aarhus, place, operator, staff, site_client
):
    for _ in range(3):
        place()
    robot_events = AuditEvent.objects.filter(action__startswith="catalog.").count()
    client = site_client(office, operator)
    total = AuditEvent.objects.count()
    first = client.get("/audit/?page=1")
    assert len(first.context["events"]) == min(total, 50)
    assert first.context["page"].paginator.count == total
    # Who: the staff member placed the three orders.
    assert actions_on(client.get("/audit/?actor=sagsbehandler")) == ["orders.order.placed"] * 3
    # What: an object's kind or name.
    assert len(actions_on(client.get("/audit/?target=bestilling"))) == 3
    # Period: today holds everything, yesterday nothing.
    today = timezone.localdate()
    assert len(actions_on(client.get(f"/audit/?since={today}&until={today}"))) == min(total, 50)
    yesterday = today - timedelta(days=1)
    assert actions_on(client.get(f"/audit/?until={yesterday}")) == []
    assert robot_events > 0
    # A period that ends before it starts is refused in Danish, not silently ignored.
    refused = client.get(f"/audit/?since={today}&until={yesterday}")
    assert "Periodens slutning ligger før dens start." in refused.content.decode()


def test_the_csv_holds_every_matching_event_not_only_a_page(
    office, aarhus, place, operator, staff, site_client
):
    for _ in range(60):
        place()
    client = site_client(office, operator)
    response = client.get("/audit/?actor=sagsbehandler&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Tidspunkt"
    assert len(rows) == 1 + 60
    assert {row[5] for row in rows[1:]} == {"Bestilling afgivet"}
    assert all(row[2] == "Aarhus Kommune" for row in rows[1:])
