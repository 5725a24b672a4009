"""Amounts typed the Danish way, as the pages display them ("1.250,50"), work in every
money field of the finance pages; text that is no number is refused and nothing is saved
(issue 13, Bad input)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import services
from billing.forms import KronerField
from billing.models import CostPool, KeyKind, RateCard, TimeEntry
from tenants.models import Role

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def client(office, make_user, site_client):
    return site_client(office, make_user("finance@robotkontor.dk", office, Role.FINANCE))


@pytest.fixture
def period(db):
    return services.get_period(date(2025, 3, 1))


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.250,50", Decimal("1250.50")),
        ("1250,50", Decimal("1250.50")),
        ("1.250", Decimal("1250")),
        ("1.250.000", Decimal("1250000")),
        ("1250.50", Decimal("1250.50")),
        ("0.4575", Decimal("0.4575")),
        ("0,4575", Decimal("0.4575")),
        (" 12 ", Decimal("12")),
        ("-1.000,5", Decimal("-1000.5")),
    ],
)
def test_the_field_reads_danish_amounts(typed, value):
    assert KronerField(decimal_places=4).clean(typed) == value


@pytest.mark.parametrize("typed", ["1.2.3", "1e5", "1,2,3", "1.250,50,1", "NaN", "tusind", "1 250"])
def test_the_field_refuses_what_is_no_amount(typed):
    with pytest.raises(ValidationError) as refused:
        KronerField(decimal_places=2).clean(typed)
    assert refused.value.code == "invalid"


def test_the_field_shows_amounts_as_the_pages_do():
    field = KronerField(decimal_places=2)
    assert field.prepare_value(Decimal("1250.5")) == "1.250,50"
    assert field.prepare_value(0) == "0,00"
    assert KronerField(decimal_places=4).prepare_value(Decimal("0.4575")) == "0,4575"
    assert field.prepare_value("1.2.3") == "1.2.3"  # what was typed comes back as typed


def test_a_rate_card_with_danish_amounts(client):
    card = {
        "name": "Takster 2025",
        "valid_from": "2025-01-01",
        "robot_minute_price": "1,25",
        "staff_hour_price": "1.250,50",
        "work_item_price": "0,4575",
        "monthly_fee": "1.000,00",
        "runtime_rounding": RateCard.Rounding.SUMMED_SECONDS,
    }
    assert client.post("/billing/rate-cards/", card).status_code == 302
    created = RateCard.objects.get()
    assert created.robot_minute_price == Decimal("1.25")
    assert created.staff_hour_price == Decimal("1250.50")
    assert created.work_item_price == Decimal("0.4575")
    assert created.deployment_monthly_fee_ore == 100_000


def test_a_rate_card_with_a_bad_amount_is_refused(client):
    card = {
        "name": "Takster 2025",
        "valid_from": "2025-01-01",
        "robot_minute_price": "1.2.3",
        "staff_hour_price": "1e5",
        "monthly_fee": "1.000,00",
        "runtime_rounding": RateCard.Rounding.SUMMED_SECONDS,
    }
    response = client.post("/billing/rate-cards/", card, **EN)
    assert response.status_code == 400
    # Each field says so (and the error summary at the top links to both).
    assert response.content.decode().count("Error:</span> Enter a number.") == 2
    assert 'value="1.2.3"' in response.content.decode()
    assert not RateCard.objects.exists()


def test_a_pool_with_danish_amounts_bands_and_percentages(client, period, aarhus, odense):
    url = f"/billing/periods/{period.pk}/pools/new/"
    banded = {
        "name": "Løn",
        "amount": "1.250.000,50",
        "key": KeyKind.BANDED,
        "band_figure": "population",
        "bands": "150.000=1\n=0,5",
    }
    assert client.post(url, banded).status_code == 302
    pool = CostPool.objects.get()
    assert pool.amount_ore == 125_000_050
    assert pool.key_params["bands"] == [
        {"up_to": "150000", "factor": "1"},
        {"up_to": None, "factor": "0.5"},
    ]
    edit = client.get(f"/billing/pools/{pool.pk}/").content.decode()
    assert 'value="1.250.000,50"' in edit
    fixed = {
        "name": "Drift",
        "amount": "1.250,5",
        "key": KeyKind.FIXED,
        "percentages": "aarhus=62,5\nodense=37.5",
    }
    assert client.post(url, fixed).status_code == 302
    pool = CostPool.objects.get(name="Drift")
    assert pool.amount_ore == 125_050
    assert pool.key_params == {"percentages": {str(aarhus.pk): "62.5", str(odense.pk): "37.5"}}


def test_a_pool_with_a_bad_amount_or_band_is_refused(client, period):
    url = f"/billing/periods/{period.pk}/pools/new/"
    pool = {"name": "Løn", "amount": "1.2.3", "key": KeyKind.EQUAL}
    response = client.post(url, pool, **EN)
    assert response.status_code == 400
    assert "Enter a number." in response.content.decode()
    banded = {
        "name": "Løn",
        "amount": "1.000",
        "key": KeyKind.BANDED,
        "band_figure": "population",
        "bands": "1e5=1\n=0,5",
    }
    response = client.post(url, banded, **EN)
    assert response.status_code == 400
    assert "“1e5” is not a number." in response.content.decode()
    assert not CostPool.objects.exists()


def test_staff_hours_typed_the_danish_way(client, aarhus):
    entry = {
        "work_date": "2025-03-20",
        "hours": "7,25",
        "description": "Analyse",
        "organisation": aarhus.pk,
    }
    assert client.post("/billing/time/", entry).status_code == 302
    assert TimeEntry.objects.get().hours == Decimal("7.25")
    entry["hours"] = "7.2.5"
    assert client.post("/billing/time/", entry).status_code == 400
    assert TimeEntry.objects.count() == 1
