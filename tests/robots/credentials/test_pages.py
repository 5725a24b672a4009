"""The credentials pages on a member's site: write-only secrets, usage log, access."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from robots.credentials import crypto, services
from robots.credentials.models import Credential
from tenants.models import Role

PASSWORD = "Hemmelig-Adgangskode-42"


def test_owner_creates_edits_and_sees_the_usage_log_but_never_the_secret(
    aarhus, owner, make_deployment, site_client, in_schema
):
    deployment = make_deployment(aarhus)
    client = site_client(aarhus, owner)
    home = client.get("/")
    assert 'href="/credentials/"' in home.content.decode()

    form = client.get("/credentials/new/")
    assert form.status_code == 200
    assert 'type="password"' in form.content.decode()
    response = client.post(
        "/credentials/new/",
        {
            "name": "EG Bolig",
            "kind": "username_password",
            "username": "robot01",
            "password": PASSWORD,
            "expires_on": (timezone.localdate() + timedelta(days=5)).isoformat(),
            "allowed_deployments": [deployment.pk],
        },
    )
    assert response.status_code == 302
    with in_schema(aarhus):
        credential = Credential.objects.get()
    assert response["Location"] == f"/credentials/{credential.pk}/"

    services.secrets_for_job(deployment=deployment, job_reference="job 77")
    for url in ("/credentials/", f"/credentials/{credential.pk}/"):
        page = client.get(url).content.decode()
        assert PASSWORD not in page
        assert "EG Bolig" in page and "robot01" in page
        assert 'data-expiry="soon"' in page
    detail = client.get(f"/credentials/{credential.pk}/").content.decode()
    assert "job 77" in detail and deployment.name in detail

    edit = client.get(f"/credentials/{credential.pk}/edit/").content.decode()
    assert PASSWORD not in edit
    response = client.post(
        f"/credentials/{credential.pk}/edit/",
        {
            "name": "EG Bolig",
            "username": "robot02",
            "password": "",
            "certificate": SimpleUploadedFile("x.p12", b"not for this kind"),
        },
    )
    assert response.status_code == 400  # a certificate does not belong to a login
    response = client.post(
        f"/credentials/{credential.pk}/edit/", {"name": "EG Bolig", "username": "robot02"}
    )
    assert response.status_code == 302
    with in_schema(aarhus):
        credential = Credential.objects.get()
        assert credential.username == "robot02"
        assert crypto.decrypt(credential.password_token).decode() == PASSWORD
        assert credential.allowed_deployments.count() == 0  # unticked: no longer allowed

    response = client.post(f"/credentials/{credential.pk}/edit/", {"delete": "1"})
    assert response.status_code == 302
    with in_schema(aarhus):
        assert not Credential.objects.exists()


def test_certificate_upload(aarhus, owner, site_client, in_schema):
    client = site_client(aarhus, owner)
    response = client.post(
        "/credentials/new/",
        {
            "name": "Funktionscertifikat",
            "kind": "certificate",
            "certificate": SimpleUploadedFile("robot.p12", b"\x30\x82certificate-bytes"),
            "certificate_password": "cert-pass",
        },
    )
    assert response.status_code == 302, response.content.decode()
    with in_schema(aarhus):
        credential = Credential.objects.get()
        assert credential.certificate_filename == "robot.p12"
        assert crypto.decrypt(credential.certificate_token) == b"\x30\x82certificate-bytes"


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FINANCE])
def test_members_without_the_capability_get_403(aarhus, make_user, site_client, role):
    client = site_client(aarhus, make_user(f"{role}@aarhus.dk", aarhus, role))
    assert client.get("/credentials/").status_code == 403
    assert client.get("/credentials/new/").status_code == 403
    assert 'href="/credentials/"' not in client.get("/").content.decode()


def test_another_member_cannot_see_or_change_aarhus_credentials(
    aarhus, odense, owner, make_user, site_client, in_schema
):
    with in_schema(aarhus):
        credential = services.create_credential(
            organisation=aarhus, actor=owner, name="Aarhus login", kind="api_key", api_key="k" * 20
        )
    odense_owner = make_user("owner@odense.dk", odense, Role.PROCESS_OWNER)
    # On aarhus's site the odense person is no member at all.
    on_aarhus = site_client(aarhus, odense_owner)
    assert on_aarhus.get("/credentials/").status_code == 403
    assert on_aarhus.get(f"/credentials/{credential.pk}/").status_code == 403
    assert on_aarhus.post(f"/credentials/{credential.pk}/edit/", {"delete": "1"}).status_code == 403
    # On odense's own site the id leads nowhere: odense's schema has its own vault.
    on_odense = site_client(odense, odense_owner)
    assert "Aarhus login" not in on_odense.get("/credentials/").content.decode()
    assert on_odense.get(f"/credentials/{credential.pk}/").status_code == 404
    assert on_odense.post(f"/credentials/{credential.pk}/edit/", {"delete": "1"}).status_code == 404
    with in_schema(aarhus):
        assert Credential.objects.filter(pk=credential.pk).exists()


def test_the_office_console_has_no_vault(office, make_user, site_client):
    admin = make_user("admin@robotkontor.dk", office, Role.OFFICE_ADMIN)
    assert site_client(office, admin).get("/credentials/").status_code == 404


def test_the_list_page_keeps_its_query_count_as_rows_grow(
    aarhus, owner, make_deployment, site_client, in_schema
):
    deployments = [make_deployment(aarhus, f"Robot {n}") for n in range(3)]
    client = site_client(aarhus, owner)

    def add(count, start):
        with in_schema(aarhus):
            for n in range(start, start + count):
                services.create_credential(
                    organisation=aarhus,
                    actor=owner,
                    name=f"Login {n}",
                    kind="username_password",
                    username=f"robot{n}",
                    password=PASSWORD,
                    expires_on=timezone.localdate() + timedelta(days=n),
                    allowed_deployments=deployments[: n % 3 + 1],
                )
        for deployment in deployments:
            services.secrets_for_job(deployment=deployment, job_reference=f"job {start}")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/credentials/").status_code == 200
        return len(captured)

    add(1, 0)
    queries()  # the first request warms caches (content types, tenant lookup)
    few = queries()
    add(6, 1)
    assert queries() == few
