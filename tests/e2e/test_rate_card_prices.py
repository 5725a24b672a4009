"""Finance adds a rate card in the browser with a price for one catalog robot and two
graduated robot-minute tiers, typed the Danish way, and sees them listed; a tier out of
order is refused on the form with the reason, and nothing is saved."""

from decimal import Decimal

import pytest

from billing.models import RateCard
from tenants.models import Role
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_finance_adds_a_rate_card_with_a_robot_price_and_two_tiers(
    page, site_url, office, make_user, make_robot
):
    make_user("okonomi@robotkontor.dk", office, Role.FINANCE)
    make_robot(slug="faktura-robot", name_da="Fakturarobot", name_en="Invoice robot")
    sign_in(page, site_url(office, "/accounts/login/"), "okonomi@robotkontor.dk")
    page.goto(site_url(office, "/billing/rate-cards/"))

    page.get_by_label("Navn").fill("Takster 2026")
    page.get_by_label("Gælder fra").fill("2026-01-01")
    page.get_by_label("Pris pr. robotminut (kr.)").fill("2,00")
    page.get_by_label("Pris pr. medarbejdertime (kr.)").fill("1.250,50")
    page.get_by_label("Priser pr. robot (kr. pr. minut)").fill("faktura-robot=1,25")
    tiers = page.get_by_label("Trin for robotminutter")
    tiers.fill("1.000=1,00\n500=0,90\n=0,80")
    with page.expect_navigation():
        page.get_by_role("button", name="Opret").click()
    assert "Trinene overlapper eller står i forkert rækkefølge" in page.content()
    assert not RateCard.objects.exists()

    # The form comes back as typed; the tiers are put in order.
    assert page.get_by_label("Priser pr. robot (kr. pr. minut)").input_value() == (
        "faktura-robot=1,25"
    )
    page.get_by_label("Trin for robotminutter").fill("1.000=1,00\n=0,80")
    with page.expect_navigation():
        page.get_by_role("button", name="Opret").click()

    card = RateCard.objects.get()
    assert card.staff_hour_price == Decimal("1250.50")
    row = page.locator(f"[data-rate-card='{card.pk}']")
    assert row.locator("[data-robot=faktura-robot]").inner_text() == "Fakturarobot: 1,25 kr"
    assert row.locator("[data-testid=tiers] small").all_inner_texts() == [
        "0–1.000 min.: 1,00 kr",
        "over 1.000 min.: 0,80 kr",
    ]
