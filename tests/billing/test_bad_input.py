"""Bad input to billing is refused with a clear 400 in Danish and English, and nothing is
saved (issue 13, "Bad input"): text where a number belongs, percentages sent as a list, a
fixed percentage for an organisation that does not exist."""

from datetime import date

import pytest

from billing import services
from billing.models import CostPool, RateCard

pytestmark = pytest.mark.django_db
API = "/api/v1/billing/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DA = {"HTTP_ACCEPT_LANGUAGE": "da"}


@pytest.fixture
def client(office, finance, site_client):
    return site_client(office, finance)


@pytest.fixture
def period(db):
    return services.get_period(date(2025, 3, 1))


def _pool(period, key, key_params):
    return {
        "period": period.pk,
        "name": "Drift",
        "amount_ore": 1_000_000,
        "key": key,
        "key_params": key_params,
    }


def _refused(response, field: str) -> str:
    assert response.status_code == 400, response.content
    message = " ".join(str(text) for text in response.json()["error"]["fields"][field])
    assert message.strip()
    return message


def _post(client, path, body, language=EN):
    return client.post(f"{API}{path}", body, content_type="application/json", **language)


def test_text_in_fixed_percentages_is_refused(client, period, aarhus, odense):
    params = {"percentages": {str(aarhus.pk): "tres", str(odense.pk): "40"}}
    message = _refused(_post(client, "cost-pools/", _pool(period, "fixed", params)), "key_params")
    assert "tres" in message and "not a number" in message
    danish = _refused(
        _post(client, "cost-pools/", _pool(period, "fixed", params), DA), "key_params"
    )
    assert "tres" in danish and "ikke et tal" in danish
    assert not CostPool.objects.exists()


@pytest.mark.parametrize(
    "value", [None, True, [], {"a": 1}, "1e2", "NaN", "Infinity", "60,0", "", "6 0"]
)
def test_anything_but_a_plain_number_as_a_percentage_is_refused(
    client, period, aarhus, odense, value
):
    params = {"percentages": {str(aarhus.pk): value, str(odense.pk): "40"}}
    _refused(_post(client, "cost-pools/", _pool(period, "fixed", params)), "key_params")
    assert not CostPool.objects.exists()


def test_percentages_sent_as_a_list_are_refused(client, period, aarhus, odense):
    for percentages in ([60, 40], [[str(aarhus.pk), 60], [str(odense.pk), 40]], "60/40", 100):
        params = {"percentages": percentages}
        message = _refused(
            _post(client, "cost-pools/", _pool(period, "fixed", params)), "key_params"
        )
        assert "organisation id" in message
    _refused(_post(client, "cost-pools/", _pool(period, "fixed", [60, 40])), "key_params")
    assert not CostPool.objects.exists()


def test_a_percentage_for_an_organisation_that_does_not_exist_is_refused(
    client, period, aarhus, office
):
    for unknown in ("999999", "-1", "aarhus", "99999999999999999999999", str(office.pk)):
        params = {"percentages": {str(aarhus.pk): "60", unknown: "40"}}
        message = _refused(
            _post(client, "cost-pools/", _pool(period, "fixed", params)), "key_params"
        )
        assert unknown in message
    assert not CostPool.objects.exists()


def test_text_in_band_limits_or_factors_is_refused(client, period):
    for bands in (
        [{"up_to": "mange", "factor": "1"}, {"up_to": None, "factor": "0.5"}],
        [{"up_to": "150000", "factor": "halv"}, {"up_to": None, "factor": "0.5"}],
        [{"up_to": "1e5", "factor": "1"}, {"up_to": None, "factor": "0.5"}],
        [{"up_to": None}],
        ["150000=1", "=0.5"],
        {"up_to": None, "factor": "1"},
        "150000=1",
    ):
        params = {"figure": "population", "bands": bands}
        _refused(_post(client, "cost-pools/", _pool(period, "banded", params)), "key_params")
    assert not CostPool.objects.exists()


def test_key_params_that_are_not_an_object_are_refused(client, period):
    for params in ([], "fixed", 7):
        _refused(_post(client, "cost-pools/", _pool(period, "banded", params)), "key_params")
    assert not CostPool.objects.exists()


def test_a_pool_cannot_be_changed_to_bad_percentages(client, period, aarhus, odense):
    pool = services.create_cost_pool(
        period=period,
        name="Drift",
        amount_ore=1_000,
        key="fixed",
        key_params={"percentages": {str(aarhus.pk): "60", str(odense.pk): "40"}},
    )
    for params in (
        {"percentages": [60, 40]},
        {"percentages": {str(aarhus.pk): "seks", str(odense.pk): "40"}},
        {"percentages": {str(aarhus.pk): "60", "424242": "40"}},
    ):
        response = client.patch(
            f"{API}cost-pools/{pool.pk}/",
            {"key_params": params},
            content_type="application/json",
            **EN,
        )
        _refused(response, "key_params")
    pool.refresh_from_db()
    assert pool.key_params == {"percentages": {str(aarhus.pk): "60", str(odense.pk): "40"}}


CARD = {
    "name": "Takster 2025",
    "valid_from": "2025-01-01",
    "robot_minute_price": "2.00",
    "staff_hour_price": "800.00",
    "work_item_price": "0.50",
    "deployment_monthly_fee_ore": 100_000,
    "runtime_rounding": "per_started_minute",
}


@pytest.mark.parametrize(
    "tiers",
    [
        [{"up_to": 1000, "price": "en krone"}, {"up_to": None, "price": "0.80"}],
        [{"up_to": "tusind", "price": "1.00"}, {"up_to": None, "price": "0.80"}],
        [{"up_to": 1000, "price": "1e3"}, {"up_to": None, "price": "0.80"}],
        [{"up_to": 1000}, {"up_to": None, "price": "0.80"}],
        [{"up_to": None, "price": None}],
        [{"up_to": None, "price": True}],
        ["1000=1", "=0.8"],
        {"up_to": None, "price": "1"},
        "1,00",
    ],
)
def test_text_in_tier_prices_or_limits_is_refused(client, tiers):
    response = _post(client, "rate-cards/", {**CARD, "robot_minute_tiers": tiers})
    _refused(response, "robot_minute_tiers")
    assert not RateCard.objects.exists()


def test_a_tier_price_in_text_is_refused_in_danish(client):
    tiers = [{"up_to": 1000, "price": "en krone"}, {"up_to": None, "price": "0.80"}]
    response = _post(client, "rate-cards/", {**CARD, "robot_minute_tiers": tiers}, DA)
    assert "en krone" in _refused(response, "robot_minute_tiers")
    assert not RateCard.objects.exists()


def test_good_tiers_and_percentages_are_still_accepted(client, period, aarhus, odense):
    tiers = [{"up_to": 1000, "price": "1.00"}, {"up_to": None, "price": 0.8}]
    created = _post(client, "rate-cards/", {**CARD, "robot_minute_tiers": tiers})
    assert created.status_code == 201, created.json()
    params = {"percentages": {str(aarhus.pk): 62.5, str(odense.pk): "37.5"}}
    assert _post(client, "cost-pools/", _pool(period, "fixed", params)).status_code == 201
    bands = [{"up_to": 150000, "factor": "1"}, {"up_to": None, "factor": 0.5}]
    params = {"figure": "population", "bands": bands}
    banded = {**_pool(period, "banded", params), "name": "Licenser"}
    assert _post(client, "cost-pools/", banded).status_code == 201
