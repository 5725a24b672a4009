"""Production needs CREDENTIAL_KEYS; development derives a stable key from SECRET_KEY."""

import secrets

import pytest
from cryptography.fernet import Fernet

from config.keys import development_key
from tests.conftest import database_url
from tests.test_settings import run_python


@pytest.fixture
def production_env(db):
    return {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url(),
        "BASE_DOMAIN": "robotkontor.example.dk",
        "EMAIL_URL": "smtp+tls://robotkontor:secret@smtp.example.dk:587",
    }


def test_production_refuses_to_start_without_credential_keys(production_env):
    result = run_python("manage.py", "check", **production_env)
    assert result.returncode != 0
    assert "CREDENTIAL_KEYS" in result.stderr


def test_production_refuses_keys_that_are_not_fernet_keys(production_env):
    result = run_python("manage.py", "check", CREDENTIAL_KEYS="not-a-key", **production_env)
    assert result.returncode != 0
    assert "credentials.E001" in result.stderr
    assert "not-a-key" not in result.stderr + result.stdout


def test_production_check_passes_with_keys(production_env):
    keys = f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}"
    result = run_python("manage.py", "check", CREDENTIAL_KEYS=keys, **production_env)
    assert result.returncode == 0, result.stderr


def test_development_key_is_stable_and_derived_from_the_secret_key(settings):
    assert [development_key(settings.SECRET_KEY)] == settings.CREDENTIAL_KEYS
    assert development_key("a") == development_key("a")
    assert development_key("a") != development_key("b")
    Fernet(development_key("a").encode())  # a valid Fernet key
