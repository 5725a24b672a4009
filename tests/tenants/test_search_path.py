"""The database backend (config.database) sets the search path only when it changes, and
each tenant still reads its own schema."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext


def search_path() -> tuple[str, int]:
    """The session's search path, and how many ``SET search_path`` it took to read it."""
    with CaptureQueriesContext(connection) as captured:
        with connection.cursor() as cursor:
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
