"""Schemathesis against the API's live schema, in this process: the schema is the one
``/api/schema/`` serves on the site, each generated case goes through Django's WSGI
application as a request with the actor's API token, and each request's writes are rolled
back afterwards, so every case meets the same data.

A case fails on any 5xx, on a status, content type or body the schema does not declare.
"""

import contextlib
import os

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenants import services as tenant_services
from tests.conftest import host_of

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Cases per operation: 25 sends over 5,000 cases in all (some 2,900 per actor), which the
# issue asks CI to send; FUZZ_EXAMPLES=5 is a quick try while developing.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

# Generated cases only (valid and invalid ones, the default): no coverage phase, whose
# hundreds of boundary cases per operation would take the lane past its few minutes.
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": EXAMPLES},
    }
)

fuzz_settings = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure is found again
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@contextlib.contextmanager
def requests_inside_the_test_transaction(request):
    """As Django's test client does: requests do not close the test's connection."""
    # Schemathesis 4 names each operation's subtest through the node's ``_nodeid``, which
    # pytest 9 no longer has.
    request.node._nodeid = request.node.nodeid
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class Actor:
    """Someone calling the API of one site with a personal API token."""

    def __init__(self, organisation, user):
        _token, key = tenant_services.issue_api_token(
            user=user, organisation=organisation, name="fuzzing"
        )
        self.base_url = f"http://{host_of(organisation)}"
        self.headers = {"Authorization": f"Bearer {key}", "Accept-Language": "en"}
        self.app = WSGIHandler()
        self.cases = 0

    def schema(self):
        loaded = schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", self.app, config=CONFIG, base_url=self.base_url
        )
        return loaded

    def check(self, case) -> None:
        """Send the case (its writes rolled back after it) and check the answer."""
        self.cases += 1
        savepoint = transaction.savepoint()
        try:
            response = case.call(base_url=self.base_url, headers=self.headers)
        finally:
            transaction.savepoint_rollback(savepoint)
        case.validate_response(response, checks=CHECKS)
