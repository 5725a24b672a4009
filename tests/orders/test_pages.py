"""The order pages: the generated parameter form, the steps offered by role, isolation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order
from robots.models import Deployment
from tenants.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(aarhus, staff, site_client):
    return site_client(aarhus, staff)


@pytest.fixture
def owner_client(aarhus, process_owner, site_client):
    return site_client(aarhus, process_owner)


@pytest.fixture
def operator_client(office, operator, site_client):
    return site_client(office, operator)


def form_data(orderable, process_owner, **params):
    return {
        "robot_version": orderable.pk,
        "process_owner": process_owner.pk,
        "proposed_schedule": "0 6 * * 1-5",
        "param_afdeling": "Vest",
        "param_dage_frist": "14",
        "param_system": "EG Bolig",
    } | params


def test_the_order_form_is_generated_from_the_parameter_schema(staff_client, orderable):
    page = staff_client.get(reverse("orders:order_create", args=[orderable.robot.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("param_afdeling", "param_dage_frist", "param_send_kvittering", "param_system"):
        assert f'name="{name}"' in html
    assert 'type="number"' in html and 'type="checkbox"' in html


def test_invalid_parameters_are_shown_field_by_field_and_nothing_is_saved(
    staff_client, orderable, process_owner
):
    url = reverse("orders:order_create", args=[orderable.robot.slug])
    data = form_data(orderable, process_owner, param_afdeling="V", param_dage_frist="99")
    response = staff_client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["param_dage_frist"] == ["Ensure this value is less than or equal to 30."]
    response = staff_client.post(
        url, form_data(orderable, process_owner, param_afdeling="V"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.context["form"].errors["param_afdeling"] == [
        "Ensure this value has at least 2 characters (it has 1)."
    ]
    response = staff_client.post(
        url, form_data(orderable, process_owner, proposed_schedule="hver morgen")
    )
    assert "proposed_schedule" in response.context["form"].errors
    assert not Order.objects.exists()


def test_a_member_orders_and_the_process_owner_approves(
    staff_client, owner_client, orderable, process_owner
):
    url = reverse("orders:order_create", args=[orderable.robot.slug])
    response = staff_client.post(url, form_data(orderable, process_owner))
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == f"/orders/{order.pk}/"
    assert order.parameters == {
        "afdeling": "Vest",
        "dage_frist": 14,
        "system": "EG Bolig",
        "send_kvittering": False,  # an unticked box is an answer too
    }
    staff_page = staff_client.get(f"/orders/{order.pk}/")
    assert [a for a, _label in staff_page.context["actions"]] == ["cancel"]
    owner_page = owner_client.get(f"/orders/{order.pk}/")
    assert [a for a, _label in owner_page.context["actions"]] == ["approve", "pause", "cancel"]
    owner_client.post(f"/orders/{order.pk}/action/", {"action": "approve"})
    order.refresh_from_db()
    assert order.status == Order.Status.APPROVED


def test_the_office_accepts_configures_and_activates(
    operator_client, owner_client, place, process_owner, aarhus
):
    order = place()
    owner_client.post(f"/orders/{order.pk}/action/", {"action": "approve"})
    page = operator_client.get(f"/orders/{order.pk}/")
    assert [a for a, _label in page.context["actions"]] == ["accept", "pause", "cancel"]
    operator_client.post(f"/orders/{order.pk}/action/", {"action": "accept"})
    response = operator_client.post(
        f"/orders/{order.pk}/configure/",
        {
            "robot_version": order.robot_version_id,
            "proposed_schedule": "15 7 * * *",
            "param_afdeling": "Nord",
            "param_dage_frist": "3",
        },
    )
    assert response.status_code == 302
    operator_client.post(f"/orders/{order.pk}/action/", {"action": "start_test"})
    operator_client.post(f"/orders/{order.pk}/action/", {"action": "activate"})
    deployment = Deployment.objects.get()
    assert deployment.organisation == aarhus and deployment.schedule == "15 7 * * *"
    assert deployment.parameters == {"afdeling": "Nord", "dage_frist": 3, "send_kvittering": False}
    listing = owner_client.get(reverse("deployments"))
    assert list(listing.context["deployments"]) == [deployment]


def test_cancelling_without_a_reason_is_refused_on_the_page(owner_client, place):
    order = place()
    response = owner_client.post(f"/orders/{order.pk}/action/", {"action": "cancel"}, follow=True)
    assert "reason" in response.content.decode().lower() or "begrund" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.SUBMITTED


def test_another_member_gets_404_on_the_order(place, odense, make_user, site_client):
    order = place()
    client = site_client(odense, make_user("admin@odense.dk", odense, Role.MEMBER_ADMIN))
    assert client.get(f"/orders/{order.pk}/").status_code == 404
    assert client.post(f"/orders/{order.pk}/action/", {"action": "approve"}).status_code == 404
    assert list(client.get("/orders/").context["orders"]) == []


def test_anonymous_visitors_are_sent_to_login(aarhus, place):
    from django.test import Client

    from tenants.services import site_host

    order = place()
    response = Client(HTTP_HOST=site_host(aarhus)).get(f"/orders/{order.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_notification_badge_counts_unread(owner_client, place):
    place()
    badge = owner_client.get(reverse("notification_badge"))
    assert badge.context["unread"] == 1
    owner_client.post(reverse("notifications"))
    assert owner_client.get(reverse("notification_badge")).context["unread"] == 0


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/orders/", "/deployments/"])
@pytest.mark.parametrize("site", ["member", "office"])
def test_list_pages_keep_a_constant_query_count(
    site, url, staff_client, operator_client, owner_client, place, office
):
    client = staff_client if site == "member" else operator_client

    def activate(order):
        for actor_client, action in [
            (owner_client, "approve"),
            (operator_client, "accept"),
            (operator_client, "start_test"),
            (operator_client, "activate"),
        ]:
            actor_client.post(f"/orders/{order.pk}/action/", {"action": action})

    for _ in range(2):
        activate(place())
    client.get(url)
    few = _queries(client, url)
    for _ in range(4):
        activate(place())
    assert _queries(client, url) == few
    assert Deployment.objects.count() == 6


def test_the_process_owner_s_start_page_lists_the_orders_waiting_for_their_approval(
    owner_client, staff_client, place, staff
):
    first, second = place(), place()
    home = owner_client.get("/")
    assert [order.pk for order in home.context["awaiting_approval"]] == [first.pk, second.pk]
    html = home.content.decode()
    assert (
        f'href="/orders/{first.pk}/"' in html
        and "Bestillinger, der venter på din godkendelse" in html
    )
    # Staff do not approve: nothing waits for them.
    assert staff_client.get("/").context["awaiting_approval"] == []
    owner_client.post(f"/orders/{first.pk}/action/", {"action": "approve"})
    assert [o.pk for o in owner_client.get("/").context["awaiting_approval"]] == [second.pk]


def test_an_order_in_test_offers_activate_first_and_then_links_to_its_deployment(
    operator_client, owner_client, place
):
    order = place()
    owner_client.post(f"/orders/{order.pk}/action/", {"action": "approve"})
    for action in ("accept", "start_test"):
        operator_client.post(f"/orders/{order.pk}/action/", {"action": action})
    page = operator_client.get(f"/orders/{order.pk}/")
    assert page.context["primary_action"] == "activate"
    html = page.content.decode()
    primary = html.index("button-primary")
    assert html[primary : html.index("</button>", primary)].endswith("Aktivér")
    operator_client.post(f"/orders/{order.pk}/action/", {"action": "activate"})
    deployment = Deployment.objects.get()
    for client in (operator_client, owner_client):
        html = client.get(f"/orders/{order.pk}/").content.decode()
        assert f'href="/deployments/{deployment.pk}/"' in html
        assert client.get(f"/deployments/{deployment.pk}/").status_code == 200
