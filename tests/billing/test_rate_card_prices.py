"""Prices per catalog robot and graduated robot-minute tiers, set, seen and changed by
finance on the rate-card page and through the API, typed the Danish way on the page;
bad input (overlapping or unsorted tiers, negative prices, an unknown robot) is refused
with the reason and nothing is saved; every change is audited."""

from datetime import date
from decimal import Decimal

import pytest

from billing import services
from billing.models import RateCard, RobotPrice
from core.models import AuditEvent
from tenants.models import Role

pytestmark = pytest.mark.django_db
API = "/api/v1/billing/rate-cards/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def client(office, finance, site_client):
    return site_client(office, finance)


@pytest.fixture
def robot(make_robot):
    return make_robot(slug="faktura-robot", name_da="Fakturarobot", name_en="Invoice robot")


def card_form(**changes) -> dict:
    return {
        "name": "Takster 2026",
        "valid_from": "2026-01-01",
        "robot_minute_price": "2,00",
        "staff_hour_price": "1.250,50",
        "work_item_price": "0",
        "monthly_fee": "1.000",
        "runtime_rounding": RateCard.Rounding.PER_STARTED_MINUTE,
        "robot_prices": "faktura-robot=1,25",
        "robot_minute_tiers": "1.000=1,00\r\n=0,80",
        **changes,
    }


def test_finance_sets_robot_prices_and_tiers_on_the_page(client, robot):
    response = client.post("/billing/rate-cards/", card_form(), **EN)
    assert response.status_code == 302, response.content.decode()
    card = RateCard.objects.get()
    assert card.staff_hour_price == Decimal("1250.50")
    assert card.robot_minute_tiers == [
        {"up_to": "1000", "price": "1.00"},
        {"up_to": None, "price": "0.80"},
    ]
    assert [(p.robot_id, p.robot_minute_price) for p in card.robot_prices.all()] == [
        (robot.pk, Decimal("1.25"))
    ]
    page = client.get("/billing/rate-cards/", **EN).content.decode()
    assert "Invoice robot: 1,25 kr" in page or "Fakturarobot: 1,25 kr" in page
    assert "0–1.000 min: 1,00 kr" in page
    assert "over 1.000 min: 0,80 kr" in page
    event = AuditEvent.objects.get(action="billing.rate_card.created")
    assert event.target_id == str(card.pk)
    assert event.changes["robot_prices"] == [None, {"faktura-robot": "1.25"}]
    assert event.changes["robot_minute_tiers"][1] == card.robot_minute_tiers


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("robot_minute_tiers", "1.000=1,00\n500=0,90\n=0,80", "overlap or are out of order"),
        ("robot_minute_tiers", "1.000=1,00\n1.000=0,90\n=0,80", "overlap or are out of order"),
        ("robot_minute_tiers", "1.000=1,00\n2.000=0,80", "last tier must have no upper limit"),
        ("robot_minute_tiers", "1.000=-1,00\n=0,80", "price cannot be negative"),
        ("robot_minute_tiers", "0=1,00\n=0,80", "whole number of minutes"),
        ("robot_minute_tiers", "10,5=1,00\n=0,80", "whole number of minutes"),
        ("robot_minute_tiers", "1.000=en krone\n=0,80", "is not a number"),
        ("robot_minute_tiers", "1.000 1,00", "name=value"),
        ("robot_prices", "faktura-robot=-1,25", "cannot be negative"),
        ("robot_prices", "ukendt-robot=1,25", "No robot in the catalog has the slug"),
        ("robot_prices", "faktura-robot=1\nfaktura-robot=2", "given twice"),
        ("robot_prices", "faktura-robot=1.2.3", "is not a number"),
        ("robot_minute_price", "-2,00", "greater than or equal to 0"),
    ],
)
def test_bad_prices_and_tiers_are_refused_on_the_page(client, robot, field, value, message):
    response = client.post("/billing/rate-cards/", card_form(**{field: value}), **EN)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RateCard.objects.exists() and not RobotPrice.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="billing.rate_card").exists()


def test_danish_error_messages(client, robot):
    response = client.post(
        "/billing/rate-cards/",
        card_form(robot_prices="ukendt-robot=1,25"),
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == 400
    assert "Ingen robot i kataloget har kortnavnet “ukendt-robot”" in response.content.decode()


def test_finance_changes_a_cards_prices_and_tiers(client, robot, make_robot, finance):
    card = services.create_rate_card(
        name="Takster 2026",
        valid_from=date(2026, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800"),
        robot_minute_tiers=[{"up_to": 1000, "price": "1.00"}, {"up_to": None, "price": "0.8"}],
        robot_prices={robot.pk: Decimal("1.25")},
    )
    form = client.get(f"/billing/rate-cards/{card.pk}/", **EN).content.decode()
    assert "faktura-robot=1,25" in form
    assert "1.000=1,00\n=0,80" in form
    other = make_robot(slug="sags-robot")

    refused = client.post(
        f"/billing/rate-cards/{card.pk}/",
        card_form(robot_minute_tiers="2.000=0,90\n1.000=1,00\n=0,80"),
        **EN,
    )
    assert refused.status_code == 400 and "out of order" in refused.content.decode()
    card.refresh_from_db()
    assert card.robot_minute_tiers == [
        {"up_to": "1000", "price": "1.00"},
        {"up_to": None, "price": "0.8"},
    ]

    changed = client.post(
        f"/billing/rate-cards/{card.pk}/",
        card_form(
            robot_prices="sags-robot=0,5",
            robot_minute_tiers="500=1,10\n2.000=0,90\n=0,70",
            valid_from="2030-01-01",  # not a field of the change: the validity stays
        ),
        **EN,
    )
    assert changed.status_code == 302
    card.refresh_from_db()
    assert card.valid_from == date(2026, 1, 1)
    assert card.staff_hour_price == Decimal("1250.50")
    assert [p["up_to"] for p in card.robot_minute_tiers] == ["500", "2000", None]
    assert list(card.robot_prices.values_list("robot_id", "robot_minute_price")) == [
        (other.pk, Decimal("0.5"))
    ]
    event = AuditEvent.objects.get(action="billing.rate_card.changed")
    assert event.actor == finance
    assert event.changes["robot_prices"] == [{"faktura-robot": "1.25"}, {"sags-robot": "0.5"}]
    assert event.changes["staff_hour_price"] == ["800", "1250.5"]
    assert "name" not in event.changes


def test_a_card_billed_in_a_closed_month_cannot_change(client, robot):
    card = services.create_rate_card(
        name="Takster 2025",
        valid_from=date(2025, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800"),
    )
    services.close_period(services.get_period(date(2025, 3, 1)))
    page = client.get(f"/billing/rate-cards/{card.pk}/", **EN).content.decode()
    assert "2025-03 is closed and was billed with this card" in page
    response = client.post(f"/billing/rate-cards/{card.pk}/", card_form(), **EN)
    assert response.status_code == 400
    assert "end the card and create a new one" in response.content.decode()
    card.refresh_from_db()
    assert card.staff_hour_price == Decimal("800") and not card.robot_prices.exists()
    assert not AuditEvent.objects.filter(action="billing.rate_card.changed").exists()


def test_only_finance_changes_a_card(office, aarhus, make_user, site_client, robot):
    card = services.create_rate_card(
        name="Takster 2026",
        valid_from=date(2026, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800"),
    )
    admin = make_user("admin@robotkontor.dk", office, Role.OFFICE_ADMIN)
    listed = site_client(office, admin).get("/billing/rate-cards/", **EN)
    assert listed.status_code == 200
    assert f"/billing/rate-cards/{card.pk}/" not in listed.content.decode()
    assert site_client(office, admin).get(f"/billing/rate-cards/{card.pk}/").status_code == 403
    assert (
        site_client(office, admin).post(f"/billing/rate-cards/{card.pk}/", card_form()).status_code
        == 403
    )
    member_admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    assert (
        site_client(aarhus, member_admin)
        .patch(f"{API}{card.pk}/", {"name": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    card.refresh_from_db()
    assert card.name == "Takster 2026"


def api_card(**changes) -> dict:
    return {
        "name": "Takster 2026",
        "valid_from": "2026-01-01",
        "robot_minute_price": "2.00",
        "staff_hour_price": "1250.50",
        "runtime_rounding": "per_started_minute",
        "robot_prices": [{"robot": "faktura-robot", "robot_minute_price": "1.25"}],
        "robot_minute_tiers": [{"up_to": 1000, "price": "1.00"}, {"up_to": None, "price": 0.8}],
        **changes,
    }


def test_the_api_sets_sees_and_changes_robot_prices_and_tiers(client, robot, make_robot):
    created = client.post(API, api_card(), content_type="application/json", **EN)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["robot_prices"] == [{"robot": "faktura-robot", "robot_minute_price": "1.2500"}]
    assert body["robot_minute_tiers"] == [
        {"up_to": "1000", "price": "1.00"},
        {"up_to": None, "price": "0.8"},
    ]
    listed = client.get(API).json()["results"]
    assert listed[0]["robot_prices"] == body["robot_prices"]
    make_robot(slug="sags-robot")
    changed = client.patch(
        f"{API}{body['id']}/",
        {
            "robot_prices": [{"robot": "sags-robot", "robot_minute_price": "0.50"}],
            "robot_minute_tiers": [],
            "valid_from": "2030-01-01",
        },
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["robot_prices"] == [
        {"robot": "sags-robot", "robot_minute_price": "0.5000"}
    ]
    assert changed.json()["robot_minute_tiers"] == []
    assert changed.json()["valid_from"] == "2026-01-01"
    assert AuditEvent.objects.filter(action="billing.rate_card.changed").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"robot_prices": [{"robot": "ukendt", "robot_minute_price": "1"}]},
            "robot_prices",
            "does not exist",
        ),
        (
            {"robot_prices": [{"robot": "faktura-robot", "robot_minute_price": "-1"}]},
            "robot_prices",
            "greater than or equal to 0",
        ),
        (
            {
                "robot_prices": [
                    {"robot": "faktura-robot", "robot_minute_price": "1"},
                    {"robot": "faktura-robot", "robot_minute_price": "2"},
                ]
            },
            "robot_prices",
            "given twice",
        ),
        (
            {"robot_minute_tiers": [{"up_to": 1000, "price": 1}, {"up_to": 500, "price": 1}]},
            "robot_minute_tiers",
            "last tier must have no upper limit",
        ),
        (
            {
                "robot_minute_tiers": [
                    {"up_to": 1000, "price": 1},
                    {"up_to": 500, "price": 1},
                    {"up_to": None, "price": 1},
                ]
            },
            "robot_minute_tiers",
            "out of order",
        ),
        (
            {"robot_minute_tiers": [{"up_to": None, "price": "-0.80"}]},
            "robot_minute_tiers",
            "cannot be negative",
        ),
        (
            {"robot_minute_tiers": [{"up_to": None, "price": "gratis"}]},
            "robot_minute_tiers",
            "is not a number",
        ),
        ({"robot_minute_tiers": {"up_to": None}}, "robot_minute_tiers", "must be a list"),
    ],
)
def test_the_api_refuses_bad_prices_and_tiers(client, robot, changes, field, message):
    response = client.post(API, api_card(**changes), content_type="application/json", **EN)
    assert response.status_code == 400
    assert message in str(response.json()["error"]["fields"][field])
    assert not RateCard.objects.exists() and not RobotPrice.objects.exists()
    card = services.create_rate_card(
        name="Takster 2026",
        valid_from=date(2026, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800"),
    )
    patched = client.patch(f"{API}{card.pk}/", changes, content_type="application/json", **EN)
    assert patched.status_code == 400
    assert message in str(patched.json()["error"]["fields"][field])
    assert not RobotPrice.objects.exists()
    card.refresh_from_db()
    assert card.robot_minute_tiers == []
