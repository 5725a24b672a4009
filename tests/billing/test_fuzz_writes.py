"""Every billing write endpoint of the API (POST, PUT, PATCH and DELETE under
/api/v1/billing/, read from the API's own schema, so a new one is fuzzed too) is sent
arbitrary JSON by hypothesis, as the office's finance staff (who may write, so the body
is read): strings, lists, nested objects, huge numbers, wrong types, alone or in place of
fields of a valid body. It never answers 5xx, and a 4xx saves nothing. Each case is
rolled back, so every case meets the same data."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import services
from core.models import AuditEvent
from tenants.models import Role

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]
API = "/api/v1/billing/"
WRITES = ("post", "put", "patch", "delete")

# Arbitrary JSON: huge and tiny numbers, unicode and number-like text, nested lists and
# objects; objects keyed by the fields the endpoints read as often as by anything.
FIELDS = [
    "name", "valid_from", "valid_to", "robot_minute_price", "staff_hour_price",
    "work_item_price", "deployment_monthly_fee_ore", "runtime_rounding",
    "robot_minute_tiers", "robot_prices", "robot", "up_to", "price", "period", "amount_ore",
    "key", "key_params", "percentages", "figure", "bands", "factor", "limit_to_kinds",
    "limit_to_members", "reason", "lines", "joined_on", "left_on", "organisation",
]  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([10**20, -(10**20), 10**400, 2**63, -(2**63) - 1, 0, -1])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(
        ["1e5", "1.2.3", "1.250,50", "-0.5", "NaN", "Infinity", "2025-02-30", "2025-06-30",
         "9999-12-31", "0001-01-01", "\x00", "x" * 300, "aarhus", "fixed", "equal", "banded",
         "population", "per_started_minute", "municipality", "99999999999999999999"]
    )
)  # fmt: skip
ANY_JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=12,
)


def write_operations() -> list[tuple[str, str]]:
    """(method, path template) of every billing write in the API's schema."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return sorted(
        (method, path)
        for path, operations in paths.items()
        if path.startswith(API)
        for method in operations
        if method in WRITES
    )


def test_every_billing_write_endpoint_is_fuzzed():
    """The fuzzing below knows an object for every path parameter of every write."""
    for _method, path in write_operations():
        resource = path.removeprefix(API).split("/")[0]
        if "{" in path:
            assert resource in OBJECTS, f"no object to fuzz {path} with: add one to OBJECTS"


OBJECTS = {"rate-cards", "cost-pools", "periods", "invoices"}


@pytest.fixture
def world(office, aarhus, odense, make_user, make_robot, site_client):
    """A finance officer's client and one of each thing the writes name: an open-ended
    rate card with a robot price and tiers (not billed yet, so its prices can change), an
    open period with a pool, a closed period with invoices."""
    finance = make_user("finance@robotkontor.dk", office, Role.FINANCE)
    robot = make_robot(slug="faktura-robot")
    card = services.create_rate_card(
        name="Takster 2025",
        valid_from=date(2025, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800"),
        robot_minute_tiers=[{"up_to": 1000, "price": "1"}, {"up_to": None, "price": "0.8"}],
        robot_prices={robot.pk: Decimal("1.25")},
    )
    closed = services.get_period(date(2024, 12, 1))
    services.create_cost_pool(period=closed, name="Løn", amount_ore=100_000, key="equal")
    services.close_period(closed)
    period = services.get_period(date(2025, 3, 1))
    pool = services.create_cost_pool(
        period=period,
        name="Drift",
        amount_ore=1_000_000,
        key="fixed",
        key_params={"percentages": {str(aarhus.pk): "60", str(odense.pk): "40"}},
    )
    ids = {
        "rate-cards": card.pk,
        "cost-pools": pool.pk,
        "periods": period.pk,
        "invoices": closed.invoices.first().pk,
    }
    valid = {
        "rate-cards": {
            "name": "Takster 2024",
            "valid_from": "2023-01-01",
            "valid_to": "2023-12-31",
            "robot_minute_price": "2.00",
            "staff_hour_price": "800",
            "robot_prices": [{"robot": "faktura-robot", "robot_minute_price": "1.25"}],
            "robot_minute_tiers": [{"up_to": 100, "price": "1"}, {"up_to": None, "price": 0}],
            "valid_to_end": "2025-12-31",
        },
        "cost-pools": {
            "period": period.pk,
            "name": "Licenser",
            "amount_ore": 500_000,
            "key": "fixed",
            "key_params": {"percentages": {str(aarhus.pk): "50", str(odense.pk): "50"}},
            "limit_to_kinds": ["municipality"],
            "limit_to_members": ["aarhus", "odense"],
        },
    }
    return site_client(office, finance), ids, valid


def fingerprint() -> dict:
    """Every row of billing's tables and the audit trail (small in this test)."""
    models = [*apps.get_app_config("billing").get_models(), AuditEvent]
    return {
        model.__name__: json.dumps(list(model.objects.order_by("pk").values()), default=str)
        for model in models
    }


def places(value, path=()) -> list[tuple]:
    """Every place in a JSON value: the path of keys and indexes to each member."""
    if isinstance(value, dict):
        children = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    else:
        return []
    found = []
    for key, child in children:
        found += [(*path, key), *places(child, (*path, key))]
    return found


@st.composite
def bodies(draw, valid: dict):
    """Arbitrary JSON, or a valid body with one to three of its values, at any depth (a
    field, a tier's price, a member's percentage), replaced by arbitrary JSON."""
    if not valid or draw(st.booleans()):
        return draw(ANY_JSON)
    body = json.loads(json.dumps(valid))
    for path in draw(st.lists(st.sampled_from(places(body)), min_size=1, max_size=3)):
        parent = body
        try:
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = draw(ANY_JSON)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this place
    return body


@pytest.mark.parametrize(("method", "template"), write_operations())
def test_a_billing_write_never_fails_with_5xx_and_a_refusal_saves_nothing(world, method, template):
    client, ids, valid = world
    resource = template.removeprefix(API).split("/")[0]
    path = re.sub(r"\{[^}]+\}", str(ids.get(resource, 0)), template)
    base = dict(valid.get(resource, {}))
    if template.endswith("/end/"):
        base = {"valid_to": base.get("valid_to_end", "2025-12-31")}
    base.pop("valid_to_end", None)
    if "{" in template and resource == "rate-cards" and method != "post":
        base = {key: value for key, value in base.items() if key not in ("valid_from", "valid_to")}
    before = fingerprint()

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(body=bodies(base))
    def send(body):
        with transaction.atomic():
            response = getattr(client, method)(
                path, json.dumps(body), content_type="application/json"
            )
            assert response.status_code < 500, (body, response.content[:2000])
            if 400 <= response.status_code < 500:
                assert fingerprint() == before, (body, response.status_code)
            transaction.set_rollback(True)

    send()
