"""The database backend: django-tenants' PostgreSQL backend, issuing ``SET search_path``
only when the path changes.

django-tenants selects the tenant anew on every request and forgets which path the
connection has, so each request (and, without ``TENANT_LIMIT_SET_CALLS``, each query) began
with a ``SET search_path`` round trip. Here the path in force on the connection is kept when
the newly selected tenant needs the same one; django-tenants still forgets it whenever the
session may have lost it (a rollback, a rollback to a savepoint, closing the connection).
"""

from django_tenants.postgresql_backend import base


class DatabaseWrapper(base.DatabaseWrapper):
    def set_tenant(self, tenant, include_public=True):
        in_force = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        if in_force is not None and self._get_cursor_search_paths() == in_force:
            self.search_path_set_schemas = in_force
