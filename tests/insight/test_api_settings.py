"""Changing the value of a saved hour and a deployment's minutes saved over the API: the
same people as on the page, the same audit events, and nothing changed on bad input."""

from decimal import Decimal

import pytest
from django.test import Client

from core.models import AuditEvent
from insight.models import DeploymentEstimate, MemberValueRate
from tenants import services as tenant_services
from tenants.models import Role

pytestmark = pytest.mark.django_db
JSON = "application/json"
RATE = "/api/v1/insight/hourly-rate/"


def api(organisation, user, language="en") -> Client:
    """A client on the organisation's host with an API key of the user's, in English (the
    messages' source language) unless told."""
    key = tenant_services.issue_api_token(user=user, organisation=organisation, name="test")[1]
    return Client(
        HTTP_HOST=tenant_services.site_host(organisation),
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_ACCEPT_LANGUAGE=language,
    )


def insight_events():
    return AuditEvent.objects.filter(action__startswith="insight.")


def estimate_url(deployment) -> str:
    return f"/api/v1/insight/deployments/{deployment.pk}/estimate/"


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"]
    return body["error"]


@pytest.fixture
def robots(aarhus, odense, make_deployment, make_robot, in_production):
    version = in_production(make_robot(estimated_minutes_saved=Decimal("6")))
    return (
        make_deployment(aarhus, robot_version=version, name="Aarhus-robot"),
        make_deployment(odense, robot_version=version, name="Odense-robot"),
    )


@pytest.fixture
def aarhus_admin(aarhus, make_user):
    return api(aarhus, make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN))


@pytest.fixture
def office_developer(office, make_user):
    return api(office, make_user("udvikler@robotkontor.dk", office, Role.OFFICE_DEVELOPER))


def test_a_member_administrator_sets_its_value_of_a_saved_hour(aarhus, odense, aarhus_admin):
    before = aarhus_admin.get(RATE).json()
    assert before == {
        "member": "aarhus",
        "hourly_rate": "450.00",
        "own": False,
        "default_hourly_rate": "450.00",
    }
    # ?member= is the office's: on a member's site it is always the member itself.
    answer = aarhus_admin.put(f"{RATE}?member=odense", {"hourly_rate": "512.50"}, JSON)
    assert answer.status_code == 200
    assert answer.json()["member"] == "aarhus" and answer.json()["hourly_rate"] == "512.50"
    assert answer.json()["own"] is True
    assert MemberValueRate.objects.get(organisation=aarhus).hourly_rate == Decimal("512.50")
    assert not MemberValueRate.objects.filter(organisation=odense).exists()
    event = AuditEvent.objects.get(action="insight.hourly_rate")
    assert event.organisation == aarhus and event.actor.email == "admin@aarhus.dk"
    assert event.changes == {"hourly_rate": "512.50"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"hourly_rate": "-1"}, "The value of an hour cannot be negative."),
        ({"hourly_rate": "mange"}, "Give the value of an hour in kroner as a number, e.g. 450.00."),
        (
            {"hourly_rate": "450,00"},
            "Give the value of an hour in kroner as a number, e.g. 450.00.",
        ),
        ({}, "This field is required."),
    ],
)
def test_a_bad_hourly_rate_is_refused_with_its_reason(aarhus, aarhus_admin, body, reason):
    answer = aarhus_admin.put(RATE, body, JSON)
    assert answer.status_code == 400
    assert error_of(answer)["fields"]["hourly_rate"] == [reason]
    assert not MemberValueRate.objects.exists() and not insight_events()


def test_only_administrators_change_the_hourly_rate(aarhus, office, make_user):
    owner = api(aarhus, make_user("ejer@aarhus.dk", aarhus, Role.PROCESS_OWNER))
    assert owner.get(RATE).status_code == 200  # sees it, as on the page
    assert owner.put(RATE, {"hourly_rate": "500"}, JSON).status_code == 403
    finance = api(office, make_user("okonomi@robotkontor.dk", office, Role.FINANCE))
    assert finance.put(f"{RATE}?member=aarhus", {"hourly_rate": "500"}, JSON).status_code == 403
    assert not MemberValueRate.objects.exists()


def test_the_office_administrators_set_a_members_rate(aarhus, office, make_user):
    admin = api(office, make_user("anne@robotkontor.dk", office, Role.OFFICE_ADMIN))
    missing = admin.put(RATE, {"hourly_rate": "500"}, JSON)
    assert missing.status_code == 400 and error_of(missing)["fields"]["member"]
    assert admin.put(f"{RATE}?member=nobody", {"hourly_rate": "500"}, JSON).status_code == 404
    answer = admin.put(f"{RATE}?member=aarhus", {"hourly_rate": 475}, JSON)
    assert answer.status_code == 200 and answer.json()["hourly_rate"] == "475.00"
    assert MemberValueRate.objects.get(organisation=aarhus).hourly_rate == 475


def test_an_office_developer_sets_and_removes_a_deployments_estimate(robots, office_developer):
    aarhus_robot, _ = robots
    assert office_developer.get(estimate_url(aarhus_robot)).json() == {
        "deployment": aarhus_robot.pk,
        "member": "aarhus",
        "minutes_saved_per_item": None,
        "catalog_minutes_saved_per_item": "6.00",
        "basis": "catalog",
    }
    answer = office_developer.put(
        f"{estimate_url(aarhus_robot)}?member=aarhus", {"minutes_saved_per_item": 4.5}, JSON
    )
    assert answer.status_code == 200
    assert answer.json()["minutes_saved_per_item"] == "4.50"
    assert answer.json()["basis"] == "deployment"
    assert DeploymentEstimate.objects.get(deployment=aarhus_robot).minutes_saved_per_item == 4.5
    event = AuditEvent.objects.get(action="insight.minutes_saved")
    assert event.changes == {"minutes_saved_per_item": "4.50"}
    assert event.actor.email == "udvikler@robotkontor.dk"

    removed = office_developer.delete(estimate_url(aarhus_robot))
    assert removed.status_code == 200 and removed.json()["basis"] == "catalog"
    assert not DeploymentEstimate.objects.exists()
    assert AuditEvent.objects.filter(action="insight.minutes_saved").count() == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"minutes_saved_per_item": -2}, "Minutes saved cannot be negative."),
        (
            {"minutes_saved_per_item": "fem"},
            "Give the minutes saved per work item as a number, e.g. 4.5.",
        ),
        (
            {"minutes_saved_per_item": "123456"},
            "Ensure that there are no more than 5 digits before the decimal point.",
        ),
    ],
)
def test_a_bad_estimate_is_refused_with_its_reason(robots, office_developer, body, reason):
    answer = office_developer.put(estimate_url(robots[0]), body, JSON)
    assert answer.status_code == 400
    assert error_of(answer)["fields"]["minutes_saved_per_item"] == [reason]
    assert not DeploymentEstimate.objects.exists() and not insight_events()


def test_estimates_stay_within_their_organisation(
    robots, aarhus, office, office_developer, make_user
):
    aarhus_robot, odense_robot = robots
    # On the office, ?member= pins the deployment to that member: another's is not found.
    wrong = office_developer.put(
        f"{estimate_url(odense_robot)}?member=aarhus", {"minutes_saved_per_item": 3}, JSON
    )
    assert wrong.status_code == 404
    assert error_of(wrong)["message"] == "No deployment with this id in this organisation."
    assert office_developer.get("/api/v1/insight/deployments/999999/estimate/").status_code == 404
    # A member reads its own deployments' estimates only, and changes none.
    admin = api(aarhus, make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN))
    assert admin.get(estimate_url(aarhus_robot)).json()["basis"] == "catalog"
    assert admin.get(estimate_url(odense_robot)).status_code == 404
    refused = admin.put(estimate_url(aarhus_robot), {"minutes_saved_per_item": 3}, JSON)
    assert refused.status_code == 403
    assert error_of(refused)["message"] == "Only the office sets a deployment's minutes saved."
    assert admin.delete(estimate_url(odense_robot)).status_code == 403
    # Office people without the catalog (operators, finance) change nothing either.
    for role in (Role.OFFICE_OPERATOR, Role.FINANCE):
        person = api(office, make_user(f"{role}@robotkontor.dk", office, role))
        answer = person.put(estimate_url(aarhus_robot), {"minutes_saved_per_item": 3}, JSON)
        assert answer.status_code == 403
    assert not DeploymentEstimate.objects.exists() and not insight_events()


def test_the_reasons_are_in_danish_by_default(aarhus, make_user):
    admin = api(aarhus, make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN), language="da")
    answer = admin.put(RATE, {"hourly_rate": "-5"}, JSON)
    assert error_of(answer)["fields"]["hourly_rate"] == [
        "Værdien af en time kan ikke være negativ."
    ]


def test_a_members_key_changes_nothing_on_another_members_site(aarhus, odense, make_user):
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    key = tenant_services.issue_api_token(user=admin, organisation=aarhus, name="test")[1]
    elsewhere = Client(
        HTTP_HOST=tenant_services.site_host(odense), HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert elsewhere.put(RATE, {"hourly_rate": "1"}, JSON).status_code in (401, 403)
    assert not MemberValueRate.objects.exists() and not insight_events()
