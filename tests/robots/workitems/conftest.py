import pytest
from django.utils import translation
from django_tenants.utils import schema_context

from robots.workitems import services
from tenants.models import Role

# The real Celery worker of tests/test_worker.py, for the upload task.
from tests.test_worker import worker, worker_process  # noqa: F401


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def in_aarhus(aarhus):
    """Run the test body inside Aarhus's schema (as a request on its site would)."""
    with schema_context(aarhus.schema_name):
        yield aarhus


@pytest.fixture
def make_queue():
    counter = iter(range(1, 10_000))

    def make(**fields):
        fields.setdefault("name", f"Kø {next(counter)}")
        return services.create_queue(**fields)

    return make


@pytest.fixture
def staff(aarhus, make_user):
    return make_user("sagsbehandler@aarhus.dk", aarhus, Role.MEMBER)


@pytest.fixture
def admin(aarhus, make_user):
    return make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)


@pytest.fixture
def odense_staff(odense, make_user):
    return make_user("sagsbehandler@odense.dk", odense, Role.MEMBER)
