"""Shared fixtures: a real PostgreSQL (embedded when DATABASE_URL is unset), the template
schema new organisations are cloned from, and organisations with people in every role."""

import contextlib
import os

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import translation
from stdnum.dk import cvr

from config.broker import broker_url_for
from config.celery import app as celery_app
from tenants import services
from tenants.models import Organisation, Role

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After pytest-django created the test database, add the template schema.

    Without CELERY_BROKER_URL the broker is the SQLAlchemy transport on the test database
    itself, so a test's messages never reach another run's worker.
    """
    with django_db_blocker.unblock():
        call_command("migrate_all", processes=1, verbosity=0)
    if not os.environ.get("CELERY_BROKER_URL"):
        celery_app.conf.broker_url = broker_url_for(connection.settings_dict)


def _drop_member_schemas():
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'org\\_%'")
        for (schema,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(autouse=True)
def _public_schema_and_cleanup(request):
    """Every test starts in the public schema; tests that commit drop the schemas they made."""
    connection.set_schema_to_public()
    yield
    marker = request.node.get_closest_marker("django_db")
    committed = marker is not None and marker.kwargs.get("transaction", False)
    if committed or {"transactional_db", "live_server"} & set(request.fixturenames):
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
    """Uploaded documents, packages and files go to a throwaway directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


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


@pytest.fixture
def aarhus(office):
    return make_member("aarhus", "Aarhus Kommune", "55133018")


@pytest.fixture
def odense(office):
    return make_member("odense", "Odense Kommune", "35209115")


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
