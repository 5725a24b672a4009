"""The insight API: scoped per site, in the OpenAPI document, figures as on the pages."""

from datetime import date
from decimal import Decimal

import pytest
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator

from insight import services
from tenants.models import Role
from tests.insight.conftest import at, close, closed_bill, items

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


@pytest.fixture
def two_members(aarhus, odense, make_deployment, make_robot, in_production):
    version = in_production(make_robot(estimated_minutes_saved=Decimal("6")))
    items(make_deployment(aarhus, robot_version=version, name="Aarhus-robot"), at(2026, 10, 2), 20)
    items(make_deployment(odense, robot_version=version, name="Odense-robot"), at(2026, 10, 2), 40)
    close(closed_bill(aarhus, OCT, {"pool_share": 50_000}))
    services.refresh_rollups([OCT])
    return aarhus, odense


def test_a_member_sees_itself_and_the_partnership_totals_only(two_members, make_user, site_client):
    aarhus, _ = two_members
    owner = make_user("ejer@aarhus.dk", aarhus, Role.PROCESS_OWNER)
    answer = site_client(aarhus, owner).get("/api/v1/insight/?year=2026&quarter=4")
    assert answer.status_code == 200
    body = answer.json()
    assert body["span"]["label"] == "2026 K4"
    # 20 items × 6 min = 2 h × 450 kr = 900 kr; the bill 500 kr.
    assert body["member"]["total"]["value_ore"] == 90_000
    assert body["member"]["total"]["cost_ore"] == 50_000
    assert body["member"]["total"]["net_ore"] == 40_000
    assert [d["name"] for d in body["member"]["deployments"]] == ["Aarhus-robot"]
    october = body["member"]["deployments"][0]["months"][0]
    assert october["month"] == "2026-10" and october["figures"]["value_ore"] == 90_000
    assert "members" not in body
    # The partnership: 60 items × 6 min = 6 h = 2.700 kr.
    assert body["partnership"]["total"]["value_ore"] == 270_000
    assert body["partnership"]["total"]["hours_saved"] == "6.0"
    assert "Odense" not in answer.content.decode()
    # A member cannot ask for another.
    again = site_client(aarhus, owner).get("/api/v1/insight/?member=odense").json()
    assert [d["name"] for d in again["member"]["deployments"]] == ["Aarhus-robot"]


def test_the_office_sees_every_member_side_by_side(two_members, office, make_user, site_client):
    finance = make_user("okonomi@robotkontor.dk", office, Role.FINANCE)
    client = site_client(office, finance)
    body = client.get("/api/v1/insight/?year=2026").json()
    members = {row["slug"]: row for row in body["members"]}
    assert members["aarhus"]["figures"]["value_ore"] == 90_000
    assert members["odense"]["figures"]["value_ore"] == 180_000
    assert members["odense"]["figures"]["cost_ore"] == 0
    assert "member" not in body
    one = client.get("/api/v1/insight/?year=2026&member=odense").json()
    assert one["member"]["total"]["items_done"] == 40
    assert client.get("/api/v1/insight/?member=nobody").status_code == 404


def test_bad_spans_and_roles_are_refused(aarhus, make_user, site_client):
    staff = make_user("medarbejder@aarhus.dk", aarhus, Role.MEMBER)
    assert site_client(aarhus, staff).get("/api/v1/insight/").status_code == 403
    owner = make_user("ejer@aarhus.dk", aarhus, Role.PROCESS_OWNER)
    client = site_client(aarhus, owner)
    assert client.get("/api/v1/insight/?year=abc").status_code == 400
    assert client.get("/api/v1/insight/?year=2026&quarter=5").status_code == 400
    body = client.get("/api/v1/insight/").json()  # no runs yet: empty, not an error
    assert body["member"]["total"]["items_done"] == 0
    assert body["member"]["payback_months"] is None


def test_the_insight_endpoint_is_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/insight/" in schema["paths"]
    parameters = schema["paths"]["/api/v1/insight/"]["get"]["parameters"]
    assert {"year", "quarter", "member"} <= {parameter["name"] for parameter in parameters}
    assert {"get", "put"} <= set(schema["paths"]["/api/v1/insight/hourly-rate/"])
    estimate = schema["paths"]["/api/v1/insight/deployments/{id}/estimate/"]
    assert {"get", "put", "delete"} <= set(estimate)
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "insight" in message.lower() or "Insight" in message
    ]
    assert problems == []
