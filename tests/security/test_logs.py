"""Issue 14, item 6: no secret reaches a log.

Invitation tokens, password-reset keys and signed file links are masked in gunicorn's access
log and in every Django log line; production refuses to start without an SMTP server (a
printed e-mail would put its links in the log)."""

import io
import logging
import os
import re
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from gunicorn.config import Config

from config.access_log import MaskingLogger
from tenants import services
from tenants.models import Role
from tests.conftest import database_url
from tests.test_settings import production_env, run_python  # noqa: F401  (shared fixture)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
TOKEN = "inv-8JxQ3kZ0pL9vT2wR7yN4mB6cH1sD5fG"
SIGNATURE = "eyJqb2IiOjQyfQ:1vXyZa:Qk3c9sG7hP2mN8rT4wL6yB1dF5jK0"
RESET_KEY = "3-c8z2kq-9f4e1a7b6d5c3e2f1a0b9c8d7e6f5a4b"


def secrets_in(text: str) -> list[str]:
    return [secret for secret in (TOKEN, SIGNATURE, RESET_KEY) if secret in text]


def test_gunicorn_uses_the_masking_access_log():
    conf = runpy.run_path(str(BASE_DIR / "platform" / "gunicorn.conf.py"))
    assert conf["logger_class"] == "config.access_log.MaskingLogger"


def test_the_access_log_masks_links_referers_and_credential_headers(tmp_path):
    log = tmp_path / "access.log"
    cfg = Config()
    cfg.set("accesslog", str(log))
    cfg.set(
        "access_log_format",
        '%(h)s "%(r)s" %(U)s %(q)s "%(f)s" %({authorization}i)s %({cookie}i)s %({set-cookie}o)s',
    )
    logger = MaskingLogger(cfg)
    environ = {
        "REMOTE_ADDR": "10.0.0.254",
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/api/robocorp/files/download/?signature={SIGNATURE}",
        "PATH_INFO": "/api/robocorp/files/download/",
        "QUERY_STRING": f"signature={SIGNATURE}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://aarhus.example.dk/invitation/{TOKEN}/",
    }
    request = SimpleNamespace(
        headers=[("AUTHORIZATION", f"Bearer {TOKEN}"), ("COOKIE", f"sessionid={RESET_KEY}")]
    )
    response = SimpleNamespace(
        status="200 OK", sent=12, headers=[("Set-Cookie", f"sessionid={RESET_KEY}")]
    )
    logger.access(response, request, environ, timedelta(milliseconds=5))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = log.read_text()
    assert "/api/robocorp/files/download/?signature=***" in line
    assert "/invitation/***/" in line
    assert secrets_in(line) == []


@pytest.fixture
def log_output():
    """What the project's console handler (settings.LOGGING) writes, captured."""
    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if any(type(f).__name__ == "RedactSecrets" for f in handler.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.django_db
def test_django_logs_no_invitation_token_or_reset_key(
    aarhus, make_user, log_output, mailoutbox, django_capture_on_commit_callbacks
):
    admin = make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(
            inviter=admin, site=aarhus, organisation=aarhus, email="ny@aarhus.dk", role=Role.MEMBER
        )
    (token,) = set(re.findall(r"/invitation/([^/\s]+)/", mailoutbox[-1].body))
    client = Client(HTTP_HOST="aarhus.localhost")
    assert client.get(f"/invitation/{token}/").status_code == 200
    assert client.get(f"/invitation/{TOKEN}/").status_code == 404  # logged "Not Found: …"
    client.get(f"/accounts/password/reset/key/{RESET_KEY}/")
    client.get(f"/api/robocorp/files/download/?signature={SIGNATURE}")
    logging.getLogger("django.server").info('"GET /invitation/%s/ HTTP/1.1" 200 512', TOKEN)
    output = log_output.getvalue()
    assert "/invitation/***/" in output
    assert token not in output and secrets_in(output) == []


def test_production_refuses_to_start_without_an_smtp_server(production_env):  # noqa: F811
    del production_env["EMAIL_URL"]
    result = run_python("manage.py", "check", **production_env)
    assert result.returncode != 0 and "EMAIL_URL" in result.stderr
    result = run_python("manage.py", "check", **production_env, EMAIL_URL="consolemail://")
    assert result.returncode != 0 and "EMAIL_URL must name an SMTP server" in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.process
@pytest.mark.django_db
def test_a_real_gunicorn_writes_no_secret_to_its_access_log():
    port = _free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "platform/gunicorn.conf.py", "config.wsgi"],
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        links = (f"/invitation/{TOKEN}/", f"/api/robocorp/files/download/?signature={SIGNATURE}")
        for path in links:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                headers={
                    "Host": "localhost",
                    "Referer": f"http://localhost/accounts/password/reset/key/{RESET_KEY}/",
                    "Authorization": f"Token {TOKEN}",
                },
            )
            for _attempt in range(100):
                try:
                    urllib.request.urlopen(request, timeout=10)
                except urllib.error.HTTPError:
                    break
                except OSError:
                    time.sleep(0.1)
                    continue
                break
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "GET /invitation/***/ HTTP/1.1" in output, output
    assert "signature=***" in output
    assert secrets_in(output) == [], output
