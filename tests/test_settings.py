"""Settings come from the environment; production is safe by default.

The settings are read in subprocesses with a controlled environment: pytest-django turns
DEBUG off in this process, and production settings must not leak into the other tests.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.http.request import validate_host
from django.test import Client

from tests.conftest import database_url

pytestmark = pytest.mark.integration

BASE_DIR = Path(__file__).resolve().parent.parent


def run_python(*args, **env):
    """Run Python in the checkout with this environment minus any DJANGO_* and BASE_DOMAIN."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "BASE_DOMAIN"
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def production_env(db):
    return {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "CREDENTIAL_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url(),
        "BASE_DOMAIN": "robotkontor.example.dk",
        "EMAIL_URL": "smtp+tls://robotkontor:secret@smtp.example.dk:587",
    }


def test_deploy_check_is_clean_in_production(production_env):
    result = run_python(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", **production_env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(production_env):
    del production_env["DJANGO_SECRET_KEY"]
    result = run_python("manage.py", "check", **production_env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_development_defaults(db):
    code = (
        "import json; from django.conf import settings as s; print(json.dumps([s.ENVIRONMENT,"
        " s.DEBUG, s.SESSION_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.ALLOWED_HOSTS]))"
    )
    result = run_python(
        "-c", code, DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="config.settings"
    )
    assert result.returncode == 0, result.stderr
    environment, debug, secure_cookie, ssl_redirect, allowed_hosts = json.loads(
        result.stdout.strip().splitlines()[-1]
    )
    assert environment == "development"
    assert debug is True
    assert secure_cookie is False and ssl_redirect is False  # http://localhost on a laptop
    assert allowed_hosts == ["localhost", ".localhost"]


def test_development_settings_in_this_process(settings):
    assert not settings.PRODUCTION
    assert settings.LANGUAGE_CODE == "da"
    assert settings.TIME_ZONE == "Europe/Copenhagen"
    # django-tenants' backend, setting the search path only when it changes.
    assert settings.DATABASES["default"]["ENGINE"] == "config.database"


@pytest.mark.parametrize("host", ["robotkontor.evil.example", "localhost.evil.example"])
def test_hosts_outside_the_base_domain_are_refused(db, settings, host):
    assert not validate_host(host, settings.ALLOWED_HOSTS)
    response = Client(HTTP_HOST=host).get("/")
    # django-tenants answers a DisallowedHost with a bare 404: nothing of ours is served.
    assert response.status_code == 404
    assert response.content == b""


def test_unknown_members_on_the_base_domain_get_the_not_found_page(office):
    response = Client(HTTP_HOST="ukendt.localhost").get("/")
    assert response.status_code == 404
    assert response.content  # the unknown-host page, rendered


def test_production_hashes_passwords_with_django_s_slow_default(production_env):
    """The suite runs with a fast hasher (tests/settings.py); production must not."""
    code = (
        "import django; django.setup(); from django.contrib.auth.hashers import get_hasher;"
        " h = get_hasher(); print(h.algorithm, h.iterations)"
    )
    result = run_python("-c", code, DJANGO_SETTINGS_MODULE="config.settings", **production_env)
    assert result.returncode == 0, result.stderr
    algorithm, iterations = result.stdout.split()
    assert algorithm == "pbkdf2_sha256"
    assert int(iterations) >= 1_000_000
