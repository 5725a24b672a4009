"""Fixtures for the vault: a robot version to deploy, deployments of two members, and
helpers that run code inside a member's schema."""

import pytest
from django_tenants.utils import schema_context

from catalog import services as catalog_services
from robots import services as robot_services
from robots.credentials import redaction
from tenants.models import Organisation, Role

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def _fresh_redaction():
    redaction.forget_all_secrets()
    yield
    redaction.forget_all_secrets()


@pytest.fixture
def robot_version(office, make_user):
    developer = make_user("dev@robotkontor.dk", office, Role.OFFICE_DEVELOPER)
    robot = catalog_services.create_robot(
        actor=developer,
        slug="lejetilbud",
        kind="rpa",
        name_da="Lejetilbud",
        name_en="Rental offers",
        summary_da="Registrerer svar på lejetilbud",
        summary_en="Registers answers to rental offers",
        category="rental",
        systems=["EG Bolig"],
        member_kinds=[Organisation.Kind.MUNICIPALITY],
        owner=developer,
    )
    return catalog_services.create_version(
        robot=robot,
        actor=developer,
        version="1.0.0",
        git_repository="https://git.robotkontor.dk/robots/lejetilbud.git",
        git_commit=COMMIT,
    )


@pytest.fixture
def owner(aarhus, make_user):
    return make_user("procesejer@aarhus.dk", aarhus, Role.PROCESS_OWNER)


@pytest.fixture
def make_deployment(robot_version, make_user):
    owners = {}

    def make(organisation, name="Lejetilbud"):
        if organisation.pk not in owners:
            owners[organisation.pk] = make_user(
                f"owner-{organisation.slug}@example.dk", organisation, Role.PROCESS_OWNER
            )
        return robot_services.create_deployment(
            organisation=organisation,
            robot_version=robot_version,
            name=name,
            parameters={},
            schedule="",
            process_owner=owners[organisation.pk],
            actor=None,
        )

    return make


@pytest.fixture
def in_schema():
    """``with in_schema(aarhus): ...`` runs the block in that member's schema."""
    return lambda organisation: schema_context(organisation.schema_name)
