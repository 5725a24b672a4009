"""Shared fixtures: a real PostgreSQL (embedded when DATABASE_URL is unset), the template
schema new organisations are cloned from, and organisations with people in every role.

The standard members' schemas (``aarhus``, ``odense``) are cloned once per session and
committed. A test that asks for such a member gets its rows inside the test's transaction,
so the organisation exists only for the tests that ask for it and everything the test writes
in its schema is rolled back. Tests that commit (``transaction=True``, live servers) provision
for real, as every test did before: their schemas are dropped before and after them.
"""

import contextlib
import os
from urllib.parse import quote, urlencode

import hypothesis
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_exists
from stdnum.dk import cvr

from config.broker import broker_url_for
from config.celery import app as celery_app
from tenants import schemas, services
from tenants.models import Domain, Organisation, Role

# Property tests assert what holds, not how fast: on a busy CI machine an example may take
# longer than Hypothesis' default 200 ms deadline, which is no failure of ours.
hypothesis.settings.register_profile("robotkontor", deadline=None)
hypothesis.settings.load_profile("robotkontor")

# Fixtures of the catalog, execution and billing that tests of every area use.
pytest_plugins = ["tests.fixtures.catalog", "tests.fixtures.robots", "tests.fixtures.billing"]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After pytest-django created the test database, add the template schema and the
    standard members' schemas (committed, for the whole session).

    Without CELERY_BROKER_URL the broker is the SQLAlchemy transport on the test database
    itself, so a test's messages never reach another run's worker.
    """
    with django_db_blocker.unblock():
        call_command("migrate_all", processes=1, verbosity=0)
        for slug in STANDARD_MEMBERS:
            if not schema_exists(services.schema_name_for(slug)):
                schemas.clone_template(services.schema_name_for(slug))
    if not os.environ.get("CELERY_BROKER_URL"):
        celery_app.conf.broker_url = broker_url_for(connection.settings_dict)


def _drop_member_schemas():
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'org\\_%'")
        for (schema,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _commits(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    committed = marker is not None and marker.kwargs.get("transaction", False)
    return committed or bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _public_schema_and_cleanup(request):
    """Every test starts in the public schema; tests that commit start and end with no member
    schemas (pytest-django runs them after all the others, so the session's clones are no
    longer needed by then)."""
    connection.set_schema_to_public()
    commits = _commits(request)
    if commits:
        _drop_member_schemas()
    yield
    if commits:
        connection.set_schema_to_public()
        _drop_member_schemas()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """No test inherits another's cache: allauth's login rate limits (per IP, in the cache)
    would otherwise add up over the browser tests, all signing in from 127.0.0.1."""
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded documents, packages and files (and members' exports) go to a throwaway
    directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEMBER_EXPORT_ROOT = tmp_path / "member-exports"


@pytest.fixture
def english():
    """For tests that read messages: English (the source language), whatever the default."""
    with translation.override("en"):
        yield


@pytest.fixture
def office(db):
    return services.ensure_office(name="Robotkontoret", cvr="29189846", ean="5798000000001")


def make_member(slug: str, name: str, cvr: str, kind=Organisation.Kind.MUNICIPALITY):
    return services.provision_organisation(name=name, slug=slug, kind=kind, cvr=cvr)


# The members most tests use; their schemas are cloned once per session (django_db_setup).
STANDARD_MEMBERS = {
    "aarhus": ("Aarhus Kommune", "55133018"),
    "odense": ("Odense Kommune", "35209115"),
}


def member_without_schema(slug: str, name: str, cvr: str, kind=Organisation.Kind.MUNICIPALITY):
    """A member's rows as provision_organisation leaves them, without cloning its schema: for
    a standard member on the session's clone, and for lists that never enter a member's
    schema (cross-member pages read ``public``)."""
    organisation = Organisation(
        name=name, slug=slug, kind=kind, cvr=cvr, schema_name=services.schema_name_for(slug)
    )
    organisation.full_clean(exclude=["schema_name"])
    organisation.save()
    Domain.objects.create(domain=host_of(organisation), tenant=organisation, is_primary=True)
    return organisation


def standard_member(slug: str) -> Organisation:
    """A standard member on the session's clone of its schema; provisioned for real when the
    clone is gone (in tests that commit)."""
    name, cvr = STANDARD_MEMBERS[slug]
    if schema_exists(services.schema_name_for(slug)):
        return member_without_schema(slug, name, cvr)
    return make_member(slug, name, cvr)


@pytest.fixture
def without_standard_schemas(db):
    """For tests that provision the standard members themselves (the demo): the session's
    clones are dropped inside the test's transaction, so they are back after it."""
    with connection.cursor() as cursor:
        for slug in STANDARD_MEMBERS:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{services.schema_name_for(slug)}" CASCADE')


@pytest.fixture
def aarhus(office):
    return standard_member("aarhus")


@pytest.fixture
def odense(office):
    return standard_member("odense")


@pytest.fixture
def make_user(db):
    def make(email: str, organisation: Organisation | None = None, role: str = Role.MEMBER):
        user = services.create_user(email=email, password=PASSWORD, full_name=email.split("@")[0])
        if organisation is not None:
            services.add_member(user=user, organisation=organisation, role=role)
        return user

    return make


def valid_cvrs():
    """An endless supply of CVR numbers with valid check digits."""
    number = 30000000
    while True:
        number += 1
        if cvr.is_valid(str(number)):
            yield str(number)


def host_of(organisation: Organisation) -> str:
    return services.site_host(organisation)


@pytest.fixture
def site_client():
    """A test client bound to an organisation's host, optionally signed in as a user."""

    def make(organisation: Organisation, user=None) -> Client:
        client = Client(HTTP_HOST=host_of(organisation))
        if user is not None:
            client.force_login(user)
        return client

    return make


def database_url() -> str:
    """The test database as a URL; a Unix-socket HOST (the embedded server) goes in ?host=."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    name = quote(db["NAME"], safe="")
    host = db["HOST"] or ""
    if host.startswith("/"):
        return f"postgresql://{credentials}@/{name}?{urlencode({'host': host})}"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{credentials}@{host}{port}/{name}"


UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def _use_broker(**options) -> None:
    """Change this process's Celery broker options. The app keeps its producer pool for the
    process's life; dropping our references to it makes the next message use the new options
    (kombu keeps one pool per broker URL, so the working one is found again)."""
    celery_app.conf.update(options)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_unreachable():
    """Within the block, publishing a task fails at once, as when the broker is down.

    Messages are sent to the *write* URL: CELERY_BROKER_URL in the environment (CI's second
    run) wins over a changed ``broker_url``, but not over ``broker_write_url``."""
    conf = celery_app.conf
    names = ("broker_write_url", "broker_connection_retry", "broker_connection_timeout")
    saved = {name: conf.get(name) for name in names}
    _use_broker(
        broker_write_url=UNREACHABLE_BROKER,
        broker_connection_retry=False,
        broker_connection_timeout=1,
    )
    try:
        yield
    finally:
        _use_broker(**saved)
