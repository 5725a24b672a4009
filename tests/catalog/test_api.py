import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Robot, RobotVersion
from core.models import AuditEvent
from tenants.models import Organisation, Role
from tests.fixtures.catalog import COMMIT, REPO, archive

pytestmark = pytest.mark.django_db
Status = RobotVersion.Status
ROBOTS = "/api/v1/catalog/robots/"


@pytest.fixture
def member_api(aarhus, make_user, site_client):
    return site_client(aarhus, make_user("staff@aarhus.dk", aarhus, Role.MEMBER_ADMIN))


@pytest.fixture
def developer_api(office, developer, site_client):
    return site_client(office, developer)


@pytest.fixture
def reviewer_api(office, reviewer, site_client):
    return site_client(office, reviewer)


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return sorted(row["slug"] for row in response.json()["results"])


NEW_ROBOT = {
    "slug": "kontanthjaelp",
    "kind": "rpa",
    "name_da": "Kontrol af kontanthjælp",
    "name_en": "Cash benefit check",
    "summary_da": "Kontrollerer udbetalinger af kontanthjælp",
    "category": "social",
    "systems": ["KMD", "e-Boks"],
    "member_kinds": ["municipality"],
    "maturity": "pilot",
    "estimated_minutes_saved": "7.50",
    "credential_types": ["function certificate"],
    "parameters_schema": {"type": "object", "properties": {"kommune": {"type": "string"}}},
}


def test_developer_creates_and_updates_a_robot(developer_api, developer):
    response = developer_api.post(ROBOTS, NEW_ROBOT | {"owner": developer.pk}, "application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "kontanthjaelp" and body["in_production"] is False
    assert body["name"] == "Kontrol af kontanthjælp"  # Danish is the default language
    response = developer_api.patch(
        f"{ROBOTS}kontanthjaelp/", {"maturity": "proven"}, "application/json"
    )
    assert response.status_code == 200, response.json()
    assert Robot.objects.get().maturity == "proven"
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "catalog.robot.created",
        "catalog.robot.updated",
    ]


def test_invalid_json_schema_is_refused_with_the_standard_error(developer_api):
    response = developer_api.post(
        ROBOTS, NEW_ROBOT | {"parameters_schema": {"type": 12}}, "application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "parameters_schema" in error["fields"]
    assert not Robot.objects.exists()


def test_members_cannot_create_or_edit(member_api, make_robot, in_production):
    robot = make_robot()
    in_production(robot)
    response = member_api.post(ROBOTS, NEW_ROBOT, "application/json")
    assert response.status_code == 403
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert (
        member_api.patch(f"{ROBOTS}{robot.slug}/", {"name_da": "x"}, "application/json").status_code
        == 403
    )
    assert not Robot.objects.filter(name_da="x").exists()


def test_office_operator_cannot_create(office, make_user, site_client):
    operator = site_client(office, make_user("op@robotkontor.dk", office, Role.OFFICE_OPERATOR))
    assert operator.get(ROBOTS).status_code == 200
    assert operator.post(ROBOTS, NEW_ROBOT, "application/json").status_code == 403


def test_members_see_only_production_robots_and_versions(
    member_api, make_robot, make_version, in_production
):
    live = make_robot()
    make_robot()
    version = in_production(live)
    make_version(live, version="2.0.0")
    assert slugs(member_api.get(ROBOTS)) == [live.slug]
    robot = member_api.get(f"{ROBOTS}{live.slug}/").json()
    assert robot["current_version"] == version.version
    versions = member_api.get(f"{ROBOTS}{live.slug}/versions/").json()["results"]
    assert [v["version"] for v in versions] == [version.version]
    hidden = Robot.objects.exclude(pk=live.pk).get()
    assert member_api.get(f"{ROBOTS}{hidden.slug}/").status_code == 404
    assert member_api.get(f"{ROBOTS}{hidden.slug}/versions/").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=bot", ["reparation"]),
        ("system=EG Bolig", ["lejetilbud"]),
        ("system=Outlook", ["lejetilbud", "reparation"]),
        ("member_kind=municipality", ["reparation"]),
        ("category=tenancy", ["reparation"]),
        ("q=repair", ["reparation"]),
        ("q=LEJETILBUD", ["lejetilbud"]),
        ("q=offers&member_kind=housing", ["lejetilbud"]),
    ],
)
def test_api_filters(member_api, make_robot, in_production, query, expected):
    in_production(
        make_robot(
            slug="lejetilbud",
            name_da="Lejetilbud",
            name_en="Rental offers",
            systems=["EG Bolig", "Outlook"],
            member_kinds=[Organisation.Kind.HOUSING],
        )
    )
    in_production(
        make_robot(
            slug="reparation",
            kind="bot",
            category="tenancy",
            name_da="Reparationsbooking",
            name_en="Repair visits",
            summary_da="Booker håndværkerbesøg",
            summary_en="Books repair visits",
            systems=["Outlook"],
            member_kinds=[Organisation.Kind.MUNICIPALITY, Organisation.Kind.HOUSING],
        )
    )
    assert slugs(member_api.get(ROBOTS + "?" + query)) == expected


def test_unknown_filter_value_is_refused(member_api):
    response = member_api.get(ROBOTS + "?member_kind=office")
    assert response.status_code == 400
    assert "member_kind" in response.json()["error"]["fields"]


def test_version_workflow_over_the_api(developer_api, reviewer_api, make_robot):
    robot = make_robot()
    url = f"{ROBOTS}{robot.slug}/versions/"
    response = developer_api.post(
        url,
        {"version": "1.0.0", "git_repository": REPO, "git_commit": COMMIT, "changelog": "Første"},
        "application/json",
    )
    assert response.status_code == 201, response.json()
    version = response.json()
    assert version["status"] == "draft" and version["package_reference"].endswith(COMMIT)
    transition = f"{url}{version['id']}/transition/"
    assert developer_api.post(transition, {"to": "test"}, "application/json").status_code == 200

    refused = developer_api.post(transition, {"to": "approved"}, "application/json")
    assert refused.status_code == 400
    assert "fire øjne" in refused.json()["error"]["fields"]["to"][0]

    approved = reviewer_api.post(transition, {"to": "approved"}, "application/json")
    assert approved.status_code == 200 and approved.json()["approved_by"] is not None
    live = developer_api.post(transition, {"to": "production"}, "application/json")
    assert live.json()["status"] == "production"

    illegal = developer_api.post(transition, {"to": "test"}, "application/json")
    assert illegal.status_code == 400 and illegal.json()["error"]["fields"]["to"]
    assert RobotVersion.objects.get().status == Status.PRODUCTION


def test_member_cannot_transition(member_api, make_robot, in_production):
    robot = make_robot()
    version = in_production(robot)
    response = member_api.post(
        f"{ROBOTS}{robot.slug}/versions/{version.pk}/transition/",
        {"to": "retired"},
        "application/json",
    )
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.status == Status.PRODUCTION


def test_archive_upload_checksum_over_the_api(developer_api, make_robot):
    robot = make_robot()
    url = f"{ROBOTS}{robot.slug}/versions/"
    upload, digest = archive(b"zip bytes")
    refused = developer_api.post(
        url, {"version": "1.0.0", "archive": upload, "archive_sha256": "f" * 64}
    )
    assert refused.status_code == 400
    assert "passer ikke" in refused.json()["error"]["fields"]["archive_sha256"][0]
    assert not RobotVersion.objects.exists()
    upload, digest = archive(b"zip bytes")
    accepted = developer_api.post(
        url, {"version": "1.0.0", "archive": upload, "archive_sha256": digest}
    )
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["package_reference"] == f"sha256:{digest}"


def test_bad_semantic_version_over_the_api(developer_api, make_robot):
    robot = make_robot()
    response = developer_api.post(
        f"{ROBOTS}{robot.slug}/versions/",
        {"version": "1.0", "git_repository": REPO, "git_commit": COMMIT},
        "application/json",
    )
    assert response.status_code == 400
    assert "version" in response.json()["error"]["fields"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# Session, user, membership and the robots page; on a member's site after setting the search
# path to its schema (the office's, public, is the one the connection has).
@pytest.mark.parametrize(("site", "expected"), [("member", 5), ("office", 4)])
def test_api_list_query_count_is_constant(
    site,
    expected,
    member_api,
    developer_api,
    make_robot,
    in_production,
    django_assert_num_queries,
):
    client = member_api if site == "member" else developer_api
    for _ in range(3):
        in_production(make_robot())
    client.get(ROBOTS)
    few = _queries(client, ROBOTS)
    for _ in range(5):
        in_production(make_robot())
    with django_assert_num_queries(expected):
        response = client.get(ROBOTS)
    assert len(response.json()["results"]) == 8
    assert _queries(client, ROBOTS) == few == expected
