"""The order and deployment endpoints, seen from the outside: each member sees only its own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from tenants.models import Role
from tests.fixtures.catalog import VALID_PARAMETERS

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders/"
DEPLOYMENTS = "/api/v1/deployments/"


@pytest.fixture
def staff_api(aarhus, staff, site_client):
    return site_client(aarhus, staff)


@pytest.fixture
def owner_api(aarhus, process_owner, site_client):
    return site_client(aarhus, process_owner)


@pytest.fixture
def operator_api(office, operator, site_client):
    return site_client(office, operator)


@pytest.fixture
def odense_api(odense, make_user, site_client):
    return site_client(odense, make_user("admin@odense.dk", odense, Role.MEMBER_ADMIN))


def order_body(orderable, process_owner, **fields):
    return {
        "robot_version": orderable.pk,
        "process_owner": process_owner.email,
        "parameters": VALID_PARAMETERS,
        "proposed_schedule": "30 5 * * 1-5",
    } | fields


def act(client, order_id, action, *, reason="", **headers):
    body = {"action": action, "reason": reason}
    return client.post(f"{ORDERS}{order_id}/act/", body, "application/json", **headers)


def test_an_order_travels_to_a_deployment_over_the_api(
    staff_api, owner_api, operator_api, odense_api, orderable, process_owner
):
    response = staff_api.post(ORDERS, order_body(orderable, process_owner), "application/json")
    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["status"] == "submitted" and order["organisation"] == "aarhus"
    assert order["ordered_by"] == "sagsbehandler@aarhus.dk"
    for client, action in [
        (owner_api, "approve"),
        (operator_api, "accept"),
        (operator_api, "start_test"),
        (operator_api, "activate"),
    ]:
        response = act(client, order["id"], action)
        assert response.status_code == 200, (action, response.json())
    active = response.json()
    assert active["status"] == "active" and active["deployment"] is not None
    deployments = staff_api.get(DEPLOYMENTS).json()["results"]
    assert [(d["id"], d["schedule"], d["parameters"]) for d in deployments] == [
        (active["deployment"], "30 5 * * 1-5", VALID_PARAMETERS)
    ]
    assert odense_api.get(DEPLOYMENTS).json()["results"] == []
    assert odense_api.get(f"{DEPLOYMENTS}{active['deployment']}/").status_code == 404


def test_another_member_can_neither_see_nor_touch_the_order(odense_api, place):
    order = place()
    assert odense_api.get(ORDERS).json()["results"] == []
    assert odense_api.get(f"{ORDERS}{order.pk}/").status_code == 404
    assert act(odense_api, order.pk, "approve").status_code == 404
    assert (
        odense_api.post(
            f"{ORDERS}{order.pk}/comments/", {"text": "hej"}, "application/json"
        ).status_code
        == 404
    )
    order.refresh_from_db()
    assert order.status == Order.Status.SUBMITTED and not order.comments.exists()


def test_parameters_that_violate_the_schema_get_field_errors(staff_api, orderable, process_owner):
    body = order_body(orderable, process_owner, parameters={"afdeling": "Vest", "dage_frist": 0})
    response = staff_api.post(ORDERS, body, "application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"dage_frist": ["Must be at least 1."]}
    assert not Order.objects.exists()


def test_the_process_owner_must_belong_to_the_site(staff_api, orderable, odense, make_user):
    stranger = make_user("procesejer@odense.dk", odense, Role.PROCESS_OWNER)
    response = staff_api.post(ORDERS, order_body(orderable, stranger), "application/json")
    assert response.status_code == 400
    assert "process_owner" in response.json()["error"]["fields"]


def test_an_illegal_step_is_refused_with_the_reason(operator_api, place):
    order = place()
    response = act(operator_api, order.pk, "activate", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "accepted and tested" in response.json()["error"]["fields"]["action"][0]


def test_comments_and_notifications_over_the_api(staff_api, owner_api, place):
    order = place()
    response = staff_api.post(
        f"{ORDERS}{order.pk}/comments/", {"text": "Haster"}, "application/json"
    )
    assert response.status_code == 201
    comments = owner_api.get(f"{ORDERS}{order.pk}/comments/").json()
    assert [c["text"] for c in comments] == ["Haster"]
    inbox = owner_api.get("/api/v1/notifications/?read_at__isnull=true").json()["results"]
    assert len(inbox) == 2  # the new order and the comment
    assert owner_api.post(f"/api/v1/notifications/{inbox[0]['id']}/read/").status_code == 204
    unread = owner_api.get("/api/v1/notifications/?read_at__isnull=true").json()["results"]
    assert [n["id"] for n in unread] == [inbox[1]["id"]]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("site", ["member", "office"])
def test_order_list_query_count_is_constant(site, staff_api, operator_api, place):
    client = staff_api if site == "member" else operator_api
    for _ in range(2):
        place()
    client.get(ORDERS)
    few = _queries(client, ORDERS)
    for _ in range(6):
        place()
    assert _queries(client, ORDERS) == few
    assert len(client.get(ORDERS).json()["results"]) == 8
