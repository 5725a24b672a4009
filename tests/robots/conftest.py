# ruff: noqa: F811  (the catalog's fixtures are imported to be shared, then used)
import pytest

from robots import services as deployments
from robots.services import runners
from tests.catalog.conftest import (  # noqa: F401  (fixtures shared with the catalog tests)
    VALID_PARAMETERS,
    developer,
    in_production,
    make_robot,
    make_version,
    operator,
    orderable,
    process_owner,
    reviewer,
    staff,
)


@pytest.fixture
def make_deployment(orderable, process_owner, operator):
    def make(organisation, **fields):
        deployment = deployments.create_deployment(
            organisation=organisation,
            robot_version=orderable,
            name=fields.pop("name", f"Robot for {organisation.slug}"),
            parameters=VALID_PARAMETERS,
            schedule=fields.pop("schedule", ""),
            process_owner=process_owner,
            actor=operator,
        )
        if fields:
            for name, value in fields.items():
                setattr(deployment, name, value)
            deployment.save()
        return deployment

    return make


@pytest.fixture
def make_runner(operator):
    counter = iter(range(1, 1000))

    def make(**fields):
        values = {"name": f"runner-{next(counter)}", "max_concurrency": 10} | fields
        return runners.register_runner(actor=operator, **values)

    return make
