"""The database backend (config.database): the search path is set only when it changes,
and a connection's health is checked at most once per interval."""

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from config.database import base as database

pytestmark = pytest.mark.integration


def search_path() -> tuple[str, int]:
    """The session's search path, and how many ``SET search_path`` it took to read it."""
    with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        (path,) = cursor.fetchone()
    return path, sum(q["sql"].startswith("SET search_path") for q in captured)


def test_the_path_is_set_once_per_tenant_change(aarhus, odense):
    connection.set_tenant(aarhus)
    assert search_path() == ("org_aarhus, public", 1)
    assert search_path() == ("org_aarhus, public", 0)
    # A request for the same tenant on the same connection selects it again: no SET.
    connection.set_tenant(aarhus)
    assert search_path() == ("org_aarhus, public", 0)
    connection.set_tenant(odense)
    assert search_path() == ("org_odense, public", 1)
    connection.set_schema_to_public()
    assert search_path() == ("public", 1)


@pytest.mark.django_db(transaction=True)
def test_the_path_is_set_again_after_a_rollback_undid_it(aarhus, odense):
    connection.set_tenant(aarhus)
    search_path()
    with pytest.raises(DatabaseError), transaction.atomic():
        connection.set_tenant(odense)
        assert search_path() == ("org_odense, public", 1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1/0")
    # The rollback took the session back to aarhus's path: selecting odense sets it again.
    connection.set_tenant(odense)
    assert search_path() == ("org_odense, public", 1)


def start_of_request():
    """What Django does to the connection when a request begins (``close_old_connections``)."""
    connection.close_if_unusable_or_obsolete()


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    """End a server process from another session, as a restart or an idle timeout would."""
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_connection_checked_within_the_interval_is_not_checked_again(monkeypatch):
    checks = []
    is_usable = type(connection._connections["default"]).is_usable
    monkeypatch.setattr(
        type(connection._connections["default"]),
        "is_usable",
        lambda self: checks.append(1) or is_usable(self),
    )
    connection.close()
    first = backend_pid()  # a new connection: as good as checked
    for _request in range(5):
        start_of_request()
        assert backend_pid() == first
    assert checks == []
    # Once the interval has passed, the next request's first query is preceded by a check.
    monkeypatch.setattr(database, "HEALTH_CHECK_INTERVAL_SECONDS", 0)
    start_of_request()
    assert backend_pid() == first
    assert checks == [1]


@pytest.mark.django_db(transaction=True)
def test_a_dead_connection_is_replaced_at_the_next_request_once_checked(monkeypatch):
    monkeypatch.setattr(database, "HEALTH_CHECK_INTERVAL_SECONDS", 0)
    dead = backend_pid()
    terminate(dead)
    start_of_request()
    assert backend_pid() != dead
