import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import services
from catalog.models import RobotVersion
from tenants.models import Organisation, Role

COMMIT = "0123456789abcdef0123456789abcdef01234567"
REPO = "https://git.robotkontor.dk/robots/lejetilbud.git"


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


PARAMETERS_SCHEMA = {
    "type": "object",
    "properties": {
        "afdeling": {"type": "string", "title": "Afdeling", "minLength": 2},
        "dage_frist": {"type": "integer", "title": "Svarfrist i dage", "minimum": 1, "maximum": 30},
        "send_kvittering": {"type": "boolean", "title": "Send kvittering"},
        "system": {"type": "string", "enum": ["EG Bolig", "UNIK Bolig4"]},
    },
    "required": ["afdeling", "dage_frist"],
    "additionalProperties": False,
}
VALID_PARAMETERS = {"afdeling": "Vest", "dage_frist": 14}


@pytest.fixture
def staff(aarhus, make_user):
    return make_user("sagsbehandler@aarhus.dk", aarhus, Role.MEMBER)


@pytest.fixture
def process_owner(aarhus, make_user):
    return make_user("procesejer@aarhus.dk", aarhus, Role.PROCESS_OWNER)


@pytest.fixture
def operator(office, make_user):
    return make_user("drift@robotkontor.dk", office, Role.OFFICE_OPERATOR)


@pytest.fixture
def orderable(make_robot, in_production):
    """A robot with a parameter schema and a version in production."""
    return in_production(make_robot(parameters_schema=PARAMETERS_SCHEMA))


@pytest.fixture
def place(aarhus, staff, process_owner, orderable):
    from orders import services as orders

    def make(**fields):
        values = {
            "organisation": aarhus,
            "actor": staff,
            "robot_version": orderable,
            "process_owner": process_owner,
            "parameters": dict(VALID_PARAMETERS),
            "proposed_schedule": "0 6 * * 1-5",
        }
        values.update(fields)
        return orders.place_order(**values)

    return make
