import pytest
from django.test import Client

from config.celery import app as celery_app

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.mark.parametrize("host", ["localhost", "aarhus.localhost", "ukendt.example.com"])
def test_healthz_answers_on_any_host_without_login(host):
    response = Client(HTTP_HOST=host).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]  # a probe answer is never cached


def test_readyz_checks_database_and_broker():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_readyz_reports_an_unreachable_broker(monkeypatch):
    unreachable = "redis://127.0.0.1:1/0"
    # Celery prefers the CELERY_BROKER_URL environment variable over its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)
    monkeypatch.setitem(celery_app.conf, "broker_url", unreachable)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"
    assert response.json()["database"] == "ok"
