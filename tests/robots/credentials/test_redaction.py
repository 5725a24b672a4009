"""Secrets handed to jobs never reach a log line: the filter on the root handler masks them."""

import io
import logging

import pytest

from robots.credentials import redaction, services
from robots.credentials.redaction import RedactSecrets, redact
from tenants.models import Role

PASSWORD = "Hemmelig-Adgangskode-42"
API_KEY = "sk-live-0a1b2c3d4e5f6g7h8i9j"


@pytest.fixture
def root_output():
    """What the root handler configured in settings.LOGGING writes, captured."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactSecrets) for f in handler.filters)
    ]
    assert handlers, "settings.LOGGING installs RedactSecrets on the root handler"
    handler = handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_handed_out_secret_is_masked_in_the_log(aarhus, make_deployment, in_schema, root_output):
    deployment = make_deployment(aarhus)
    owner = deployment.process_owner
    assert owner.memberships.get().role == Role.PROCESS_OWNER
    with in_schema(aarhus):
        services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="EG Bolig",
            kind="username_password",
            username="robot01",
            password=PASSWORD,
            allowed_deployments=[deployment],
        )
        services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="API",
            kind="api_key",
            api_key=API_KEY,
            allowed_deployments=[deployment],
        )
    environment = services.secrets_for_job(deployment=deployment, job_reference="job 7")
    log = logging.getLogger("robots.runner")
    log.warning("robot said: logged in with %s", environment["RK_CRED_EG_BOLIG_PASSWORD"])
    log.error("calling API with key %s for %s", API_KEY, "robot01")
    try:
        raise RuntimeError(f"login failed for {PASSWORD}")
    except RuntimeError:
        log.exception("job 7 failed")
    written = root_output.getvalue()
    assert PASSWORD not in written and API_KEY not in written
    assert "robot said: logged in with ***" in written
    assert "calling API with key *** for robot01" in written
    assert "RuntimeError: login failed for ***" in written


def test_secret_patterns_are_masked_without_being_handed_out(root_output):
    logging.getLogger("robots.runner").warning(
        "GET https://robot:topsecret@eg.example.dk/?password=hunter22&x=1 "
        "Authorization: Bearer eyJhbGciOi.abc.def token rk_AbCdEfGh12345678 "
        '{"password": "json-secret", "user": "robot"}'
    )
    written = root_output.getvalue()
    for secret in ("topsecret", "hunter22", "eyJhbGciOi", "AbCdEfGh12345678", "json-secret"):
        assert secret not in written
    assert "password=***&x=1" in written
    assert "Authorization: Bearer ***" in written
    assert '"user": "robot"' in written


def test_redact_for_robot_output_and_the_bounded_memory():
    redaction.register_secret("abc")  # too short to mask ordinary text
    redaction.register_secret("long-secret-value")
    assert redact("abc and long-secret-value!") == "abc and ***!"
    for number in range(redaction.MAX_REMEMBERED + 10):
        redaction.register_secret(f"secret-number-{number:05d}")
    assert redact("long-secret-value") == "long-secret-value"  # the oldest were forgotten
    assert redact(f"secret-number-{redaction.MAX_REMEMBERED + 9:05d}") == "***"
