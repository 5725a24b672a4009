import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import services
from catalog.models import RobotVersion
from tenants.models import Organisation, Role

COMMIT = "0123456789abcdef0123456789abcdef01234567"
REPO = "https://git.robotkontor.dk/robots/lejetilbud.git"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded documents and packages go to a throwaway directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def developer(office, make_user):
    return make_user("dev@robotkontor.dk", office, Role.OFFICE_DEVELOPER)


@pytest.fixture
def reviewer(office, make_user):
    return make_user("reviewer@robotkontor.dk", office, Role.OFFICE_DEVELOPER)


@pytest.fixture
def make_robot(developer):
    counter = iter(range(1, 10_000))

    def make(**fields):
        n = next(counter)
        values = {
            "slug": f"robot-{n}",
            "kind": "rpa",
            "name_da": f"Robot {n}",
            "name_en": f"Robot {n} (en)",
            "summary_da": "Registrerer svar på lejetilbud",
            "summary_en": "Registers answers to rental offers",
            "category": "rental",
            "systems": ["EG Bolig"],
            "member_kinds": [Organisation.Kind.HOUSING],
            "owner": developer,
        }
        values.update(fields)
        return services.create_robot(actor=developer, **values)

    return make


@pytest.fixture
def make_version(developer):
    counter = iter(range(1, 10_000))

    def make(robot, *, author=None, version=None, **fields):
        return services.create_version(
            robot=robot,
            actor=author or developer,
            version=version or f"1.0.{next(counter)}",
            git_repository=REPO,
            git_commit=COMMIT,
            **fields,
        )

    return make


@pytest.fixture
def in_production(make_version, developer, reviewer):
    """Put a version of the robot into production the proper way."""

    def make(robot):
        version = make_version(robot, author=developer)
        services.transition_version(version, RobotVersion.Status.TEST, developer)
        services.transition_version(version, RobotVersion.Status.APPROVED, reviewer)
        return services.transition_version(version, RobotVersion.Status.PRODUCTION, developer)

    return make


def archive(content: bytes = b"PK robot package"):
    return SimpleUploadedFile("robot.zip", content, content_type="application/zip"), (
        hashlib.sha256(content).hexdigest()
    )
