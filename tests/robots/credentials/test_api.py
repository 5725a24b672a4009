"""/api/v1/credentials/: secrets are write-only, the vault is the site's member's only."""

import base64
import json

from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator

from robots.credentials import crypto, services
from robots.credentials.models import Credential
from tenants.models import Role

PASSWORD = "Hemmelig-Adgangskode-42"
API_KEY = "sk-live-0a1b2c3d4e5f6g7h8i9j"


def send(client, method, url, data=None):
    return getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")


def test_create_list_update_delete_without_ever_returning_a_secret(
    aarhus, owner, make_deployment, site_client, in_schema
):
    deployment = make_deployment(aarhus)
    client = site_client(aarhus, owner)
    created = send(
        client,
        "post",
        "/api/v1/credentials/",
        {
            "name": "EG Bolig",
            "kind": "username_password",
            "username": "robot01",
            "password": PASSWORD,
            "expires_on": "2031-01-31",
            "allowed_deployments": [deployment.pk],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["env_name"] == "EG_BOLIG" and body["has_password"] is True
    assert body["allowed_deployments"] == [deployment.pk]
    assert "password" not in body and PASSWORD not in created.content.decode()

    certificate = send(
        client,
        "post",
        "/api/v1/credentials/",
        {
            "name": "Certifikat",
            "kind": "certificate",
            "certificate": base64.b64encode(b"cert-bytes").decode(),
            "certificate_filename": "robot.p12",
            "certificate_password": "cert-pass-123",
        },
    )
    assert certificate.status_code == 201, certificate.content
    assert certificate.json()["has_certificate"] is True
    assert "cert-pass-123" not in certificate.content.decode()

    services.secrets_for_job(deployment=deployment, job_reference="job 5")
    listed = client.get("/api/v1/credentials/")
    assert listed.status_code == 200
    text = listed.content.decode()
    assert PASSWORD not in text and "cert-pass-123" not in text
    assert base64.b64encode(b"cert-bytes").decode() not in text
    rows = {row["name"]: row for row in listed.json()["results"]}
    assert rows["EG Bolig"]["last_used_at"] is not None

    pk = body["id"]
    updated = send(client, "patch", f"/api/v1/credentials/{pk}/", {"username": "robot02"})
    assert updated.status_code == 200, updated.content
    assert updated.json()["username"] == "robot02"
    updated = send(client, "patch", f"/api/v1/credentials/{pk}/", {"password": "new-pass-999"})
    assert "new-pass-999" not in updated.content.decode()
    with in_schema(aarhus):
        assert crypto.decrypt(Credential.objects.get(pk=pk).password_token) == b"new-pass-999"

    refused = send(client, "patch", f"/api/v1/credentials/{pk}/", {"api_key": API_KEY})
    assert refused.status_code == 400
    assert "api_key" in refused.json()["error"]["fields"]
    assert API_KEY not in refused.content.decode()

    assert client.delete(f"/api/v1/credentials/{pk}/").status_code == 204
    with in_schema(aarhus):
        assert list(Credential.objects.values_list("name", flat=True)) == ["Certifikat"]


def test_members_without_the_capability_and_other_members_are_refused(
    aarhus, odense, owner, make_user, site_client, in_schema
):
    with in_schema(aarhus):
        credential = services.create_credential(
            organisation=aarhus, actor=owner, name="Aarhus API", kind="api_key", api_key=API_KEY
        )
    staff = site_client(aarhus, make_user("staff@aarhus.dk", aarhus, Role.MEMBER))
    assert staff.get("/api/v1/credentials/").status_code == 403
    assert send(staff, "post", "/api/v1/credentials/", {"name": "x"}).status_code == 403

    odense_admin = make_user("admin@odense.dk", odense, Role.MEMBER_ADMIN)
    on_aarhus = site_client(aarhus, odense_admin)
    assert on_aarhus.get("/api/v1/credentials/").status_code == 403
    assert on_aarhus.delete(f"/api/v1/credentials/{credential.pk}/").status_code == 403
    on_odense = site_client(odense, odense_admin)
    assert on_odense.get("/api/v1/credentials/").json()["results"] == []
    assert on_odense.get(f"/api/v1/credentials/{credential.pk}/").status_code == 404
    assert on_odense.delete(f"/api/v1/credentials/{credential.pk}/").status_code == 404
    with in_schema(aarhus):
        assert Credential.objects.filter(pk=credential.pk).exists()


def test_deployments_of_another_member_cannot_be_granted(
    aarhus, odense, owner, make_deployment, site_client
):
    theirs = make_deployment(odense)
    response = send(
        site_client(aarhus, owner),
        "post",
        "/api/v1/credentials/",
        {"name": "X", "kind": "api_key", "api_key": API_KEY, "allowed_deployments": [theirs.pk]},
    )
    assert response.status_code == 400
    assert "allowed_deployments" in response.json()["error"]["fields"]


def test_credential_endpoints_are_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/credentials/" in schema["paths"]
    assert "/api/v1/credentials/{id}/" in schema["paths"]
    readable = schema["components"]["schemas"]["Credential"]["properties"]
    assert not {"password", "api_key", "certificate", "certificate_password"} & set(readable)
    writable = schema["components"]["schemas"]["CredentialRequest"]["properties"]
    assert {"password", "api_key", "certificate", "certificate_password"} <= set(writable)
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "redential" in message
    ]
    assert problems == []
