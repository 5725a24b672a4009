"""The database backend: django-tenants' PostgreSQL backend with two round trips fewer per
request.

- ``SET search_path`` only when the path changes. django-tenants selects the tenant anew on
  every request and forgets which path the connection has, so each request (and, without
  ``TENANT_LIMIT_SET_CALLS``, each query) began with a ``SET``. Here the path in force is
  kept when the newly selected tenant needs the same one; django-tenants still forgets it
  whenever the session may have lost it (a rollback, a rollback to a savepoint, closing).
- The health check (``CONN_HEALTH_CHECKS``, a ``SELECT 1`` before a request's first query)
  at most once per ``HEALTH_CHECK_INTERVAL_SECONDS`` per connection, like HikariCP's
  ``aliveBypassWindowMs``: a connection checked or opened within the last second is taken
  as alive. A connection that dies anyway fails that request, and Django closes it after.
- ``flush`` may empty billing history only on a test database: the database refuses
  TRUNCATE of the usage ledger, periods and invoices (billing/sql/integrity.sql) unless
  ``robotkontor.allow_truncate`` is on, which the flush of a test database sets for its own
  transaction. ``manage.py flush`` on any other database is refused by the database.
"""

import time

from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.db.backends.postgresql.operations import DatabaseOperations as BaseOperations
from django_tenants.postgresql_backend import base

HEALTH_CHECK_INTERVAL_SECONDS = 1.0


class DatabaseOperations(BaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if statements and is_test_database(self.connection.settings_dict):
            statements.insert(0, "SET LOCAL robotkontor.allow_truncate = 'on'")
        return statements


def is_test_database(settings_dict: dict) -> bool:
    """Whether the connection is to a database Django's test runner created."""
    name = settings_dict.get("NAME") or ""
    test_name = (settings_dict.get("TEST") or {}).get("NAME")
    return name.startswith(TEST_DATABASE_PREFIX) or (test_name is not None and name == test_name)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    checked_at = float("-inf")

    def set_tenant(self, tenant, include_public=True):
        in_force = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        if in_force is not None and self._get_cursor_search_paths() == in_force:
            self.search_path_set_schemas = in_force

    def connect(self):
        super().connect()
        self.checked_at = time.monotonic()

    def close_if_health_check_failed(self):
        if self.connection is not None and not self.health_check_done:
            now = time.monotonic()
            if now - self.checked_at < HEALTH_CHECK_INTERVAL_SECONDS:
                self.health_check_done = True
                return
            self.checked_at = now
        super().close_if_health_check_failed()
