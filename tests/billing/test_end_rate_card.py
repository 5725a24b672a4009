"""Ending an open-ended rate card (issue 13, "Ending an open-ended rate card"): through the
API and the rate-card page, audited; a card that already ends, an end before the card
begins or before the end of a month closed with it is refused and nothing changes."""

from datetime import date
from decimal import Decimal

import pytest

from billing import services
from core.models import AuditEvent
from tenants.models import Role

pytestmark = pytest.mark.django_db
API = "/api/v1/billing/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DA = {"HTTP_ACCEPT_LANGUAGE": "da"}


@pytest.fixture
def card(db):
    return services.create_rate_card(
        name="Takster 2025",
        valid_from=date(2025, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800.00"),
    )


NEXT = {
    "name": "Takster juli",
    "valid_from": "2025-07-01",
    "robot_minute_price": "1.50",
    "staff_hour_price": "750.00",
    "work_item_price": "0.50",
    "deployment_monthly_fee_ore": 0,
    "runtime_rounding": "per_started_minute",
}


def _end(client, card, valid_to, language=EN):
    return client.post(
        f"{API}rate-cards/{card.pk}/end/",
        {"valid_to": valid_to},
        content_type="application/json",
        **language,
    )


def test_finance_ends_an_open_ended_card_through_the_api_so_a_new_one_can_follow(
    office, finance, card, site_client
):
    client = site_client(office, finance)
    post = client.post
    assert post(f"{API}rate-cards/", NEXT, content_type="application/json").status_code == 400
    ended = _end(client, card, "2025-06-30")
    assert ended.status_code == 200, ended.json()
    assert ended.json()["valid_to"] == "2025-06-30"
    card.refresh_from_db()
    assert card.valid_to == date(2025, 6, 30)
    event = AuditEvent.objects.get(action="billing.rate_card.ended")
    assert event.actor == finance
    assert event.target_id == str(card.pk)
    assert event.changes == {"valid_to": [None, "2025-06-30"]}
    assert post(f"{API}rate-cards/", NEXT, content_type="application/json").status_code == 201
    assert services.selectors.rate_card_on(date(2025, 6, 30)) == card
    assert services.selectors.rate_card_on(date(2025, 7, 1)).name == "Takster juli"


def test_ending_is_refused_with_the_reason_and_nothing_changes(
    office, aarhus, finance, card, site_client
):
    client = site_client(office, finance)
    before = _end(client, card, "2024-12-31")
    assert before.status_code == 400
    assert "cannot end before it begins" in str(before.json()["error"]["fields"]["valid_to"])
    for bad in ("", "30-06-2025", "2025-02-30", None, ["2025-06-30"]):
        assert _end(client, card, bad).status_code == 400
    services.create_cost_pool(
        period=services.get_period(date(2025, 3, 1)), name="Løn", amount_ore=100, key="equal"
    )
    services.close_period(services.get_period(date(2025, 3, 1)))
    closed = _end(client, card, "2025-02-28")
    assert closed.status_code == 400
    assert "2025-03 is closed" in str(closed.json()["error"]["fields"]["valid_to"])
    danish = _end(client, card, "2025-03-30", DA)
    assert "2025-03 er lukket" in str(danish.json()["error"]["fields"]["valid_to"])
    card.refresh_from_db()
    assert card.valid_to is None
    assert not AuditEvent.objects.filter(action="billing.rate_card.ended").exists()
    assert _end(client, card, "2025-03-31").status_code == 200
    again = _end(client, card, "2025-12-31")
    assert again.status_code == 400
    assert "already ends" in str(again.json()["error"])
    card.refresh_from_db()
    assert card.valid_to == date(2025, 3, 31)


def test_only_office_finance_ends_a_card(office, aarhus, card, make_user, site_client):
    admin = make_user("admin@robotkontor.dk", office, Role.OFFICE_ADMIN)
    assert _end(site_client(office, admin), card, "2025-06-30").status_code == 403
    member_finance = make_user("okonomi@aarhus.dk", aarhus, Role.FINANCE)
    assert _end(site_client(aarhus, member_finance), card, "2025-06-30").status_code in (
        403,
        404,
    )
    assert (
        site_client(office, admin)
        .post(f"/billing/rate-cards/{card.pk}/end/", {"valid_to": "2025-06-30"})
        .status_code
        == 403
    )
    card.refresh_from_db()
    assert card.valid_to is None


def test_finance_ends_a_card_on_the_rate_card_page(office, finance, card, site_client):
    client = site_client(office, finance)
    page = client.get("/billing/rate-cards/", **EN).content.decode()
    assert f'action="/billing/rate-cards/{card.pk}/end/"' in page
    assert "End the card" in page
    refused = client.post(
        f"/billing/rate-cards/{card.pk}/end/", {"valid_to": "2024-01-01"}, follow=True, **EN
    )
    assert "cannot end before it begins" in refused.content.decode()
    card.refresh_from_db()
    assert card.valid_to is None
    ended = client.post(
        f"/billing/rate-cards/{card.pk}/end/", {"valid_to": "2025-06-30"}, follow=True, **EN
    )
    assert ended.status_code == 200
    html = ended.content.decode()
    assert "Takster 2025 now ends on" in html
    assert f'action="/billing/rate-cards/{card.pk}/end/"' not in html
    card.refresh_from_db()
    assert card.valid_to == date(2025, 6, 30)
    assert AuditEvent.objects.filter(action="billing.rate_card.ended", actor=finance).exists()
