"""The audit trail page: the office reads every change, a member only what concerns it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import services as orders
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
    odense_page = site_client(odense, make_user("a@odense.dk", odense, Role.MEMBER)).get("/audit/")
    assert actions_on(odense_page) == []


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
