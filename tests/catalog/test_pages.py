import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Robot, RobotVersion
from core.models import AuditEvent
from tenants.models import Organisation, Role
from tests.fixtures.catalog import COMMIT, REPO, archive

pytestmark = pytest.mark.django_db
Status = RobotVersion.Status


@pytest.fixture
def member_client(aarhus, make_user, site_client):
    return site_client(aarhus, make_user("staff@aarhus.dk", aarhus, Role.MEMBER))


@pytest.fixture
def developer_client(office, developer, site_client):
    return site_client(office, developer)


def names_in(response) -> list[str]:
    return [robot.name for robot in response.context["robots"]]


def test_members_see_only_robots_in_production(member_client, make_robot, in_production):
    live = make_robot(name_da="Lejetilbud")
    make_robot(name_da="Kladde")
    in_production(live)
    response = member_client.get(reverse("catalog:robot_list"))
    assert response.status_code == 200
    assert names_in(response) == ["Lejetilbud"]
    assert (
        member_client.get(reverse("catalog:robot_list") + "?q=Kladde").context["robots"].count()
        == 0
    )
    draft_slug = Robot.objects.get(name_da="Kladde").slug
    assert member_client.get(reverse("catalog:robot_detail", args=[draft_slug])).status_code == 404


def test_members_see_only_production_versions(
    member_client, make_robot, make_version, in_production
):
    robot = make_robot()
    live = in_production(robot)
    make_version(robot, version="9.0.0")
    response = member_client.get(reverse("catalog:robot_detail", args=[robot.slug]))
    assert [v.version for v in response.context["versions"]] == [live.version]
    assert b"9.0.0" not in response.content


def test_office_sees_every_robot(developer_client, make_robot):
    make_robot(name_da="Kladde")
    response = developer_client.get(reverse("catalog:robot_list"))
    assert names_in(response) == ["Kladde"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=ml_model", ["Konteringsforslag"]),
        ("category=rental", ["Lejetilbud"]),
        ("system=SAP", ["Konteringsforslag"]),
        ("system=EG+Bolig", ["Lejetilbud"]),
        ("member_kind=municipality", ["Konteringsforslag"]),
        ("member_kind=housing", ["Konteringsforslag", "Lejetilbud"]),
        ("q=invoice", ["Konteringsforslag"]),
        ("q=lejetilbud", ["Lejetilbud"]),
        ("q=rental+offers", ["Lejetilbud"]),
        ("q=faktura&system=SAP", ["Konteringsforslag"]),
        ("q=faktura&system=EG+Bolig", []),
        ("system=Navision", []),
    ],
)
def test_filters_and_bilingual_search(member_client, make_robot, in_production, query, expected):
    in_production(
        make_robot(
            name_da="Lejetilbud",
            name_en="Rental offers",
            summary_da="Registrerer svar på lejetilbud",
            summary_en="Registers answers to rental offers",
            category="rental",
            systems=["EG Bolig", "Outlook"],
            member_kinds=[Organisation.Kind.HOUSING],
        )
    )
    in_production(
        make_robot(
            kind="ml_model",
            name_da="Konteringsforslag",
            name_en="Posting suggestions",
            summary_da="Foreslår kontering af fakturaer",
            summary_en="Suggests how to post an invoice",
            category="finance",
            systems=["SAP", "KMD"],
            member_kinds=[Organisation.Kind.MUNICIPALITY, Organisation.Kind.HOUSING],
        )
    )
    response = member_client.get(reverse("catalog:robot_list") + "?" + query)
    assert response.status_code == 200
    assert names_in(response) == expected


def test_name_follows_the_language_with_danish_fallback(member_client, make_robot, in_production):
    in_production(make_robot(name_da="Lejetilbud", name_en="Rental offers"))
    in_production(make_robot(name_da="Kontoplan", name_en=""))
    member_client.cookies["django_language"] = "en"
    english = member_client.get(reverse("catalog:robot_list")).content.decode()
    assert "Rental offers" in english and "Kontoplan" in english and "Lejetilbud" not in english
    member_client.cookies["django_language"] = "da"
    danish = member_client.get(reverse("catalog:robot_list")).content.decode()
    assert "Lejetilbud" in danish and "Rental offers" not in danish


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# Session, user, membership, known systems, robots; on a member's site after setting the
# search path to its schema (the office's, public, is the one the connection has).
@pytest.mark.parametrize(("site", "expected"), [("member", 6), ("office", 5)])
def test_list_page_query_count_is_constant(
    site,
    expected,
    member_client,
    developer_client,
    make_robot,
    in_production,
    django_assert_num_queries,
):
    client = member_client if site == "member" else developer_client
    url = reverse("catalog:robot_list")
    for _ in range(3):
        in_production(make_robot(systems=["KMD", "SAP"]))
    client.get(url)  # warm the per-process caches (tenant lookup, content types)
    few = _list_queries(client, url)
    for _ in range(5):
        in_production(make_robot(systems=["EG Bolig"]))
    with django_assert_num_queries(expected):
        client.get(url)
    assert _list_queries(client, url) == few == expected


def test_members_cannot_create_or_edit(member_client, make_robot, in_production):
    robot = make_robot()
    version = in_production(robot)
    assert member_client.get(reverse("catalog:robot_create")).status_code == 403
    assert member_client.post(reverse("catalog:robot_create"), {"slug": "x"}).status_code == 403
    assert member_client.post(reverse("catalog:robot_edit", args=[robot.slug])).status_code == 403
    response = member_client.post(
        reverse("catalog:version_transition", args=[robot.slug, version.pk]), {"to": "retired"}
    )
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.status == Status.PRODUCTION


def test_office_operator_cannot_manage(office, make_user, site_client, make_robot):
    operator = make_user("operator@robotkontor.dk", office, Role.OFFICE_OPERATOR)
    client = site_client(office, operator)
    assert client.get(reverse("catalog:robot_list")).status_code == 200
    assert client.get(reverse("catalog:robot_create")).status_code == 403


def test_developer_creates_a_robot(developer_client, developer):
    response = developer_client.post(
        reverse("catalog:robot_create"),
        {
            "slug": "forbrugsregnskab",
            "kind": "rpa",
            "name_da": "Forbrugsregnskab",
            "summary_da": "Udarbejder forbrugsregnskaber",
            "category": "tenancy",
            "systems": "UNIK Bolig4\ne-Boks",
            "member_kinds": ["housing"],
            "owner": developer.pk,
            "maturity": "pilot",
            "estimated_minutes_saved": "12,5",
            "credential_types": "UNIK login",
            "parameters_schema": (
                '{"type": "object", "properties": {"afdeling": {"type": "string"}}}'
            ),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    robot = Robot.objects.get(slug="forbrugsregnskab")
    assert robot.systems == ["UNIK Bolig4", "e-Boks"]
    assert str(robot.estimated_minutes_saved) == "12.50"
    assert AuditEvent.objects.filter(action="catalog.robot.created").count() == 1


def test_invalid_schema_in_form_is_shown(developer_client):
    response = developer_client.post(
        reverse("catalog:robot_create"),
        {
            "slug": "kontoplan",
            "kind": "rpa",
            "name_da": "Kontoplan",
            "summary_da": "Opdaterer kontoplanen",
            "category": "finance",
            "maturity": "idea",
            "parameters_schema": '{"type": "objekt"}',
        },
    )
    assert response.status_code == 400
    assert "parameters_schema" in response.context["form"].errors
    assert not Robot.objects.exists()


def test_developer_edits_a_robot(developer_client, make_robot):
    robot = make_robot()
    response = developer_client.get(reverse("catalog:robot_edit", args=[robot.slug]))
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields if name != "process_design_document"}
    data.update(
        systems="KMD\nSAP",
        member_kinds=["municipality"],
        owner=robot.owner_id,
        name_en="Updated",
        estimated_minutes_saved="",
        name_da=robot.name_da,
        parameters_schema='{"type": "object"}',
    )
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = developer_client.post(reverse("catalog:robot_edit", args=[robot.slug]), data)
    assert response.status_code == 302, response.context["form"].errors
    robot.refresh_from_db()
    assert robot.systems == ["KMD", "SAP"] and robot.name_en == "Updated"
    updated = AuditEvent.objects.get(action="catalog.robot.updated")
    assert set(updated.changes) == {"systems", "member_kinds", "name_en", "parameters_schema"}


def test_version_workflow_on_the_console(
    office, developer_client, reviewer, site_client, make_robot
):
    robot = make_robot()
    response = developer_client.post(
        reverse("catalog:version_create", args=[robot.slug]),
        {"version": "1.2.0", "git_repository": REPO, "git_commit": COMMIT, "changelog": "Ny"},
    )
    assert response.status_code == 302
    version = robot.versions.get()
    url = reverse("catalog:version_transition", args=[robot.slug, version.pk])
    developer_client.post(url, {"to": "test"})
    page = developer_client.get(reverse("catalog:robot_detail", args=[robot.slug]))
    assert [s for s, _label in page.context["versions"][0].next_statuses] == ["draft", "retired"]
    response = developer_client.post(url, {"to": "approved"}, follow=True)
    assert "fire øjne" in response.content.decode()
    version.refresh_from_db()
    assert version.status == Status.TEST
    reviewer_client = site_client(office, reviewer)
    reviewer_client.post(url, {"to": "approved"})
    developer_client.post(url, {"to": "production"})
    version.refresh_from_db()
    assert version.status == Status.PRODUCTION and version.approved_by == reviewer


def test_archive_upload_with_wrong_checksum_is_refused_on_the_console(developer_client, make_robot):
    robot = make_robot()
    upload, digest = archive(b"package")
    response = developer_client.post(
        reverse("catalog:version_create", args=[robot.slug]),
        {"version": "1.0.0", "archive": upload, "archive_sha256": "0" * 64},
    )
    assert response.status_code == 400
    assert "passer ikke" in str(response.context["form"].errors["archive_sha256"])
    assert not robot.versions.exists()
    upload, digest = archive(b"package")
    response = developer_client.post(
        reverse("catalog:version_create", args=[robot.slug]),
        {"version": "1.0.0", "archive": upload, "archive_sha256": digest},
    )
    assert response.status_code == 302
    assert robot.versions.get().archive_sha256 == digest


def test_documents_are_served_to_members_who_may_see_the_robot(
    member_client, developer, make_robot, in_production
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalog import services

    robot = make_robot(
        process_design_document=SimpleUploadedFile("pdd.pdf", b"%PDF design", "application/pdf")
    )
    attachment = services.add_attachment(
        robot=robot,
        actor=developer,
        title="Brugervejledning",
        file=SimpleUploadedFile("guide.pdf", b"%PDF guide", "application/pdf"),
    )
    document = reverse("catalog:document", args=[robot.slug])
    assert member_client.get(document).status_code == 404  # not in production yet
    in_production(robot)
    response = member_client.get(document)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF design"
    response = member_client.get(reverse("catalog:attachment", args=[robot.slug, attachment.pk]))
    assert b"".join(response.streaming_content) == b"%PDF guide"
    assert (
        "Brugervejledning"
        in member_client.get(reverse("catalog:robot_detail", args=[robot.slug])).content.decode()
    )


def test_forms_render_for_developers(developer_client, make_robot):
    robot = make_robot()
    page = developer_client.get(reverse("catalog:robot_create"))
    assert page.status_code == 200 and 'name="parameters_schema"' in page.content.decode()
    page = developer_client.get(reverse("catalog:version_create", args=[robot.slug]))
    assert page.status_code == 200 and 'name="archive_sha256"' in page.content.decode()
    home = developer_client.get("/").content.decode()
    assert f'href="{reverse("catalog:robot_list")}"' in home


def test_reserved_slug_is_refused(make_robot):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        make_robot(slug="new")
    assert "slug" in refused.value.message_dict


def test_numbers_and_dates_in_danish_format(member_client, make_robot, in_production):
    robot = make_robot(estimated_minutes_saved="1234.50")
    in_production(robot)
    detail = member_client.get(reverse("catalog:robot_detail", args=[robot.slug])).content.decode()
    assert "1.234,5" in detail
    listing = member_client.get(reverse("catalog:robot_list")).content.decode()
    assert "1.234,5" in listing
