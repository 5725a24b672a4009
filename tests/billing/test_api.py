"""The billing API: in the OpenAPI document without warnings; a member reads only its own
invoices and usage (another member's invoice is a 404); the office's finance staff manage
periods, rate cards and cost pools; others cannot change anything."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator

from billing import services, tasks
from billing.models import CostPool, Invoice, InvoiceLine, Period, RateCard, UsageEntry
from tenants.models import Role
from tests.billing.conftest import invoices_and_pools

pytestmark = pytest.mark.django_db
API = "/api/v1/billing/"
MARCH = date(2025, 3, 1)


@pytest.fixture
def closed_march(aarhus, odense):
    services.create_rate_card(
        name="Takster 2025",
        valid_from=date(2025, 1, 1),
        robot_minute_price=Decimal("2.00"),
        staff_hour_price=Decimal("800.00"),
    )
    period = services.get_period(MARCH)
    services.create_cost_pool(period=period, name="Løn", amount_ore=100_000_00, key="equal")
    services.close_period(period)
    return period


def test_billing_endpoints_are_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in (
        f"{API}periods/",
        f"{API}periods/{{id}}/",
        f"{API}periods/{{id}}/preview/",
        f"{API}periods/{{id}}/close/",
        f"{API}rate-cards/",
        f"{API}cost-pools/",
        f"{API}cost-pools/{{id}}/",
        f"{API}invoices/",
        f"{API}invoices/{{id}}/",
        f"{API}usage/",
    ):
        assert path in schema["paths"], path
    ours = ("Period", "Invoice", "RateCard", "CostPool", "Usage", "billing", "Enum")
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if any(word in message for word in ours)
    ]
    assert problems == []


def test_a_member_sees_only_its_own_invoices(
    aarhus, odense, office, finance, closed_march, make_user, site_client
):
    owner = make_user("owner@aarhus.dk", aarhus, Role.PROCESS_OWNER)
    mine = Invoice.objects.get(organisation=aarhus)
    theirs = Invoice.objects.get(organisation=odense)
    client = site_client(aarhus, owner)
    listed = client.get(f"{API}invoices/").json()["results"]
    assert [invoice["id"] for invoice in listed] == [mine.pk]
    assert listed[0]["organisation"] == "aarhus"
    assert listed[0]["lines"][0]["description"].startswith("Løn: 100.000,00 kr")
    assert listed[0]["total_ore"] == 62_500_00
    assert client.get(f"{API}invoices/{mine.pk}/").status_code == 200
    assert client.get(f"{API}invoices/{theirs.pk}/").status_code == 404
    # Periods and pools are the office's; a member cannot change rate cards.
    assert client.get(f"{API}periods/{closed_march.pk}/").status_code == 404
    assert client.get(f"{API}cost-pools/").json()["results"] == []
    assert client.post(f"{API}rate-cards/", {}).status_code == 403
    office_listed = site_client(office, finance).get(f"{API}invoices/").json()["results"]
    assert {invoice["id"] for invoice in office_listed} == {mine.pk, theirs.pk}


def test_a_plain_member_has_no_billing(aarhus, closed_march, make_user, site_client):
    plain = make_user("member@aarhus.dk", aarhus, Role.MEMBER)
    client = site_client(aarhus, plain)
    assert client.get(f"{API}invoices/").status_code == 403
    assert client.get(f"{API}usage/").status_code == 403


def test_usage_so_far_is_the_members_own(aarhus, odense, make_user, site_client):
    period = services.get_period(timezone.localdate())
    for organisation, hours in ((aarhus, "2"), (odense, "3")):
        UsageEntry.objects.create(
            source=f"test:{organisation.slug}",
            period=period,
            organisation=organisation,
            kind=UsageEntry.Kind.STAFF_HOURS,
            occurred_on=timezone.localdate(),
            quantity=Decimal(hours),
            unit_price=Decimal("800"),
            amount_ore=int(hours) * 80_000,
            description="Konsulenttimer",
        )
    owner = make_user("owner@aarhus.dk", aarhus, Role.PROCESS_OWNER)
    client = site_client(aarhus, owner)
    listed = client.get(f"{API}usage/").json()["results"]
    assert [(row["organisation"], row["amount_ore"]) for row in listed] == [("aarhus", 160_000)]
    page = client.get("/costs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1.600,00 kr" in page
    assert "2.400,00 kr" not in page


def test_finance_manages_rate_cards_pools_and_periods(
    aarhus, odense, office, finance, site_client, django_capture_on_commit_callbacks
):
    client = site_client(office, finance)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the refusals below are read in English
    card = {
        "name": "Takster 2025",
        "valid_from": "2025-01-01",
        "robot_minute_price": "2.00",
        "staff_hour_price": "800.00",
        "work_item_price": "0.50",
        "deployment_monthly_fee_ore": 100_000,
        "runtime_rounding": "per_started_minute",
    }
    assert (
        client.post(f"{API}rate-cards/", card, content_type="application/json").status_code == 201
    )
    overlapping = client.post(
        f"{API}rate-cards/",
        {**card, "valid_from": "2025-06-01"},
        content_type="application/json",
    )
    assert overlapping.status_code == 400
    assert "overlaps" in str(overlapping.json()["error"]["fields"])
    assert RateCard.objects.count() == 1

    period = services.get_period(MARCH)
    pool = {
        "period": period.pk,
        "name": "Drift",
        "amount_ore": 1_000_000,
        "key": "fixed",
        "key_params": {"percentages": {str(aarhus.pk): "60", str(odense.pk): "30"}},
        "limit_to_members": ["aarhus", "odense"],
    }
    refused = client.post(f"{API}cost-pools/", pool, content_type="application/json")
    assert refused.status_code == 400
    assert "not 100" in str(refused.json()["error"]["fields"]["key_params"])
    pool["key_params"]["percentages"][str(odense.pk)] = "40"
    created = client.post(f"{API}cost-pools/", pool, content_type="application/json")
    assert created.status_code == 201, created.json()
    pool_id = created.json()["id"]
    changed = client.patch(
        f"{API}cost-pools/{pool_id}/",
        {"amount_ore": 2_000_000, "limit_to_members": ["aarhus"]},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["limit_to_members"] == ["aarhus"]
    assert CostPool.objects.get().amount_ore == 2_000_000

    preview = client.post(f"{API}periods/{period.pk}/preview/")
    assert preview.status_code == 200
    # Odense has nothing to bill (no usage, no pool share): it gets no invoice.
    assert set(preview.json()["changes"]) == {str(aarhus.pk)}
    assert client.post(f"{API}periods/{period.pk}/preview/").json() == {"changes": {}}

    with django_capture_on_commit_callbacks() as callbacks:
        started = client.post(f"{API}periods/{period.pk}/close/")
    assert started.status_code == 202
    assert len(callbacks) == 1
    tasks.close_period(period.pk)
    assert client.get(f"{API}periods/{period.pk}/").json()["progress"] == 100
    assert Period.objects.get(pk=period.pk).status == Period.Status.CLOSED
    with django_capture_on_commit_callbacks() as again:
        assert client.post(f"{API}periods/{period.pk}/close/").status_code == 202
    assert again == []
    assert client.delete(f"{API}cost-pools/{pool_id}/").status_code == 400
    assert CostPool.objects.count() == 1
    # Limited to Aarhus, so only Aarhus's invoice has a share of it.
    assert InvoiceLine.objects.filter(pool_id=pool_id).count() == 1


def test_only_office_finance_changes_billing(aarhus, office, make_user, site_client):
    admin = make_user("admin@robotkontor.dk", office, Role.OFFICE_ADMIN)
    member_finance = make_user("okonomi@aarhus.dk", aarhus, Role.FINANCE)
    period = services.get_period(MARCH)
    client = site_client(office, admin)
    assert client.get(f"{API}periods/").status_code == 200
    assert client.post(f"{API}periods/{period.pk}/close/").status_code == 403
    assert client.post(f"{API}rate-cards/", {}).status_code == 403
    assert site_client(aarhus, member_finance).post(f"{API}rate-cards/", {}).status_code == 403


def test_the_invoice_list_keeps_a_constant_query_count(office, finance, site_client):
    period = services.get_period(MARCH)
    client = site_client(office, finance)
    invoices_and_pools(period, 2, 1)
    client.get(f"{API}invoices/")
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(f"{API}invoices/").json()["results"]) == 2
    invoices_and_pools(period, 6, 10)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(f"{API}invoices/").json()["results"]) == 8
    assert len(many) == len(few)
