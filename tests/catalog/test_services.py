import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from catalog import services
from catalog.models import Robot, RobotVersion
from core import audit
from core.models import AuditEvent
from tenants.models import Role
from tests.fixtures.catalog import COMMIT, REPO, archive

# These tests read the services' messages in English (the source language).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


Status = RobotVersion.Status


def test_four_eyes_author_cannot_approve_own_version(make_robot, make_version, developer):
    version = make_version(make_robot(), author=developer)
    services.transition_version(version, Status.TEST, developer)
    with pytest.raises(ValidationError) as refused:
        services.transition_version(version, Status.APPROVED, developer)
    assert "four eyes" in str(refused.value)
    version.refresh_from_db()
    assert version.status == Status.TEST
    assert version.approved_by is None and version.test_passed_at is None


def test_four_eyes_another_developer_approves_then_production(
    make_robot, make_version, developer, reviewer
):
    version = make_version(make_robot(), author=developer)
    services.transition_version(version, Status.TEST, developer)
    services.transition_version(version, Status.APPROVED, reviewer)
    version.refresh_from_db()
    assert version.status == Status.APPROVED
    assert version.approved_by == reviewer and version.test_passed_by == reviewer
    assert version.test_passed_at is not None
    services.transition_version(version, Status.PRODUCTION, developer)
    version.refresh_from_db()
    assert version.status == Status.PRODUCTION and version.released_at is not None


def test_database_refuses_self_approval_even_around_the_service(
    make_robot, make_version, developer
):
    version = make_version(make_robot(), author=developer)
    with pytest.raises(IntegrityError), transaction.atomic():
        RobotVersion.objects.filter(pk=version.pk).update(approved_by=developer)


def test_database_refuses_production_without_test_stage(make_robot, make_version):
    version = make_version(make_robot())
    with pytest.raises(IntegrityError), transaction.atomic():
        RobotVersion.objects.filter(pk=version.pk).update(status=Status.PRODUCTION)


@pytest.mark.parametrize("start", [Status.DRAFT, Status.TEST])
def test_production_without_passed_test_stage_is_refused(
    make_robot, make_version, developer, start
):
    version = make_version(make_robot())
    if start == Status.TEST:
        services.transition_version(version, Status.TEST, developer)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.transition_version(version, Status.PRODUCTION, developer)
    assert "test stage" in str(refused.value)
    version.refresh_from_db()
    assert version.status == start and version.released_at is None
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], Status.APPROVED),
        ([Status.RETIRED], Status.DRAFT),
        ([Status.TEST], Status.PRODUCTION),
        ([Status.TEST, Status.APPROVED, Status.PRODUCTION], Status.DRAFT),
        ([Status.TEST, Status.APPROVED, Status.PRODUCTION], Status.TEST),
    ],
)
def test_illegal_transitions_are_refused_with_reason_and_nothing_saved(
    make_robot, make_version, developer, reviewer, path, target
):
    version = make_version(make_robot())
    for step in path:
        actor = reviewer if step == Status.APPROVED else developer
        services.transition_version(version, step, actor)
    version.refresh_from_db()
    before = {f.attname: getattr(version, f.attname) for f in RobotVersion._meta.fields}
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.transition_version(version, target, reviewer)
    assert refused.value.message_dict["to"][0]
    version.refresh_from_db()
    assert {f.attname: getattr(version, f.attname) for f in RobotVersion._meta.fields} == before
    assert AuditEvent.objects.count() == events


def test_unknown_status_is_refused(make_robot, make_version, developer):
    version = make_version(make_robot())
    with pytest.raises(ValidationError, match="not a version status"):
        services.transition_version(version, "launched", developer)


def test_back_to_test_withdraws_the_approval(make_robot, make_version, developer, reviewer):
    version = make_version(make_robot())
    services.transition_version(version, Status.TEST, developer)
    services.transition_version(version, Status.APPROVED, reviewer)
    services.transition_version(version, Status.TEST, developer)
    version.refresh_from_db()
    assert version.approved_by is None and version.test_passed_at is None
    with pytest.raises(ValidationError):
        services.transition_version(version, Status.PRODUCTION, developer)


def test_every_transition_is_audited_with_from_and_to(
    make_robot, make_version, developer, reviewer
):
    version = make_version(make_robot())
    services.transition_version(version, Status.TEST, developer)
    services.transition_version(version, Status.APPROVED, reviewer)
    services.transition_version(version, Status.PRODUCTION, developer)
    services.transition_version(version, Status.RETIRED, developer)
    events = list(audit.history(version).order_by("pk"))
    assert [e.action for e in events] == ["catalog.version.created"] + [
        "catalog.version.transitioned"
    ] * 4
    assert [e.changes["status"] for e in events[1:]] == [
        ["draft", "test"],
        ["test", "approved"],
        ["approved", "production"],
        ["production", "retired"],
    ]
    assert [e.actor for e in events[1:]] == [developer, reviewer, developer, developer]


def test_allowed_transitions_offer_only_what_the_person_may_do(
    make_robot, make_version, developer, reviewer
):
    version = make_version(make_robot(), author=developer)
    version = services.transition_version(version, Status.TEST, developer)
    assert services.allowed_transitions(version, developer) == [Status.DRAFT, Status.RETIRED]
    assert services.allowed_transitions(version, reviewer) == [
        Status.DRAFT,
        Status.APPROVED,
        Status.RETIRED,
    ]


def test_archive_checksum_is_computed_and_checked(make_robot, developer):
    robot = make_robot()
    upload, digest = archive(b"the real package")
    version = services.create_version(
        robot=robot, actor=developer, version="2.0.0", archive=upload, archive_sha256=digest
    )
    assert version.archive_sha256 == digest
    assert version.archive.read() == b"the real package"


def test_archive_with_mismatching_checksum_is_refused(make_robot, developer):
    robot = make_robot()
    upload, _digest = archive(b"tampered package")
    wrong = "a" * 64
    with pytest.raises(ValidationError) as refused:
        services.create_version(
            robot=robot, actor=developer, version="2.0.0", archive=upload, archive_sha256=wrong
        )
    message = refused.value.message_dict["archive_sha256"][0]
    assert "does not match" in message and wrong in message
    assert not RobotVersion.objects.exists()


def test_archive_needs_an_expected_checksum(make_robot, developer):
    upload, _digest = archive()
    with pytest.raises(ValidationError) as refused:
        services.create_version(
            robot=make_robot(), actor=developer, version="2.0.0", archive=upload
        )
    assert "archive_sha256" in refused.value.message_dict


def test_package_is_git_or_archive(make_robot, developer):
    robot = make_robot()
    with pytest.raises(ValidationError, match="needs a package"):
        services.create_version(robot=robot, actor=developer, version="1.0.0")
    with pytest.raises(ValidationError) as refused:
        services.create_version(
            robot=robot, actor=developer, version="1.0.0", git_repository=REPO, git_commit="abc"
        )
    assert "git_commit" in refused.value.message_dict
    upload, digest = archive()
    with pytest.raises(ValidationError, match="not both"):
        services.create_version(
            robot=robot,
            actor=developer,
            version="1.0.0",
            git_repository=REPO,
            git_commit=COMMIT,
            archive=upload,
            archive_sha256=digest,
        )


@pytest.mark.parametrize(
    "version", ["1.0.0", "0.1.0", "10.20.30", "1.0.0-rc.1", "2.0.0-alpha.beta+build.5"]
)
def test_semantic_versions_are_accepted(make_robot, make_version, version):
    assert make_version(make_robot(), version=version).version == version


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "01.0.0", "1.0.0-", "1.0.0.0", "latest"])
def test_non_semantic_versions_are_refused(make_robot, make_version, version):
    with pytest.raises(ValidationError) as refused:
        make_version(make_robot(), version=version)
    assert "version" in refused.value.message_dict


def test_version_is_unique_per_robot(make_robot, make_version):
    robot = make_robot()
    make_version(robot, version="1.0.0")
    with pytest.raises(ValidationError):
        make_version(robot, version="1.0.0")
    make_version(make_robot(), version="1.0.0")


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"count": {"type": "integr"}}},
        {"type": "object", "required": "name"},
        ["not", "an", "object"],
    ],
)
def test_invalid_json_schema_is_refused(make_robot, schema):
    with pytest.raises(ValidationError) as refused:
        make_robot(parameters_schema=schema)
    assert "parameters_schema" in refused.value.message_dict
    assert not Robot.objects.exists()


def test_valid_json_schema_is_kept(make_robot):
    schema = {
        "type": "object",
        "properties": {"afdeling": {"type": "string"}, "dage": {"type": "integer", "minimum": 1}},
        "required": ["afdeling"],
    }
    assert make_robot(parameters_schema=schema).parameters_schema == schema


def test_robot_changes_are_audited(make_robot, developer):
    robot = make_robot(systems=[" EG Bolig ", "KMD", "KMD", ""])
    assert robot.systems == ["EG Bolig", "KMD"]
    services.update_robot(robot=robot, actor=developer, name_en="Rental offers", maturity="pilot")
    created, updated = audit.history(robot).order_by("pk")
    assert created.action == "catalog.robot.created" and created.actor == developer
    assert updated.changes == {
        "name_en": [robot.name_en, "Rental offers"],
        "maturity": ["idea", "pilot"],
    }


def test_owner_must_be_office_staff(make_robot, aarhus, make_user):
    outsider = make_user("staff@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    with pytest.raises(ValidationError) as refused:
        make_robot(owner=outsider)
    assert "owner" in refused.value.message_dict


@pytest.mark.parametrize("role", [Role.OFFICE_OPERATOR, Role.FINANCE])
def test_only_catalog_managers_write(office, make_user, make_robot, role):
    robot = make_robot()
    someone = make_user(f"{role}@robotkontor.dk", office, role)
    with pytest.raises(PermissionDenied):
        services.update_robot(robot=robot, actor=someone, name_da="Ændret")
    with pytest.raises(PermissionDenied):
        services.create_version(
            robot=robot, actor=someone, version="1.0.0", git_repository=REPO, git_commit=COMMIT
        )
