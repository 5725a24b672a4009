"""The vault's services: encryption at rest, write-only secrets, handing out to jobs."""

import base64
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from core.models import AuditEvent
from robots.credentials import crypto, services
from robots.credentials.models import Credential, CredentialUse

PASSWORD = "Hemmelig-Adgangskode-42"
API_KEY = "sk-live-0a1b2c3d4e5f6g7h8i9j"
CERT = b"-----BEGIN PRIVATE KEY-----\nnot really a key, but secret bytes\n-----END-----\n"


def raw_columns(pk) -> bytes:
    """Every column of the row as the database holds it, concatenated."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, username, description, password_token, api_key_token,"
            " certificate_token, certificate_password_token FROM credentials_credential"
            " WHERE id = %s",
            [pk],
        )
        row = cursor.fetchone()
    return b"|".join(
        bytes(value) if isinstance(value, memoryview) else str(value).encode() for value in row
    )


def test_secrets_are_stored_encrypted_and_round_trip(aarhus, owner, in_schema):
    with in_schema(aarhus):
        login = services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="KMD Nexus",
            kind=Credential.Kind.USERNAME_PASSWORD,
            username="robot01",
            password=PASSWORD,
        )
        cert = services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="Funktionscertifikat",
            kind=Credential.Kind.CERTIFICATE,
            certificate=CERT,
            certificate_filename="robot.p12",
            certificate_password=PASSWORD + "-cert",
        )
        for credential, secrets in ((login, [PASSWORD]), (cert, [CERT, PASSWORD + "-cert"])):
            raw = raw_columns(credential.pk)
            for secret in secrets:
                secret = secret.encode() if isinstance(secret, str) else secret
                assert secret not in raw
                assert base64.b64encode(secret) not in raw
        stored = Credential.objects.get(pk=login.pk)
        assert crypto.decrypt(stored.password_token).decode() == PASSWORD
        assert PASSWORD not in repr(stored) and PASSWORD not in str(stored)
        assert crypto.decrypt(Credential.objects.get(pk=cert.pk).certificate_token) == CERT
    events = AuditEvent.objects.filter(action="credentials.credential.created")
    assert events.count() == 2
    assert all(PASSWORD not in str(event.changes) for event in events)


def test_update_keeps_blank_secrets_and_replaces_given_ones(aarhus, owner, in_schema):
    with in_schema(aarhus):
        credential = services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="Portal",
            kind=Credential.Kind.API_KEY,
            api_key=API_KEY,
        )
        services.update_credential(
            credential=credential, organisation=aarhus, actor=owner, api_key="", description="x"
        )
        assert crypto.decrypt(Credential.objects.get().api_key_token).decode() == API_KEY
        services.update_credential(
            credential=credential, organisation=aarhus, actor=owner, api_key="new-key-123456"
        )
        assert crypto.decrypt(Credential.objects.get().api_key_token) == b"new-key-123456"
        with pytest.raises(ValidationError) as refused:
            services.update_credential(
                credential=credential, organisation=aarhus, actor=owner, password=PASSWORD
            )
        assert PASSWORD not in str(refused.value)
    changes = list(
        AuditEvent.objects.filter(action="credentials.credential.changed").values_list(
            "changes", flat=True
        )
    )
    assert [change.get("secrets") for change in changes if "secrets" in change] == [["api_key"]]
    assert all("new-key" not in str(change) and API_KEY not in str(change) for change in changes)


def test_names_must_differ_as_environment_names(aarhus, owner, in_schema):
    with in_schema(aarhus):
        first = services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="SAP login",
            kind="username_password",
            username="u",
            password=PASSWORD,
        )
        assert first.env_name == "SAP_LOGIN"
        with pytest.raises(ValidationError) as refused:
            services.create_credential(
                organisation=aarhus,
                actor=owner,
                name="sap-login",
                kind="username_password",
                username="u",
                password=PASSWORD,
            )
        assert "name" in refused.value.message_dict
        with pytest.raises(ValidationError) as missing:
            services.create_credential(
                organisation=aarhus, actor=owner, name="Tom", kind="username_password"
            )
        assert {"username", "password"} & set(missing.value.message_dict)


def test_secrets_for_job_hands_out_only_allowed_credentials_and_audits_each_use(
    aarhus, owner, make_deployment, in_schema
):
    allowed = make_deployment(aarhus, "Lejetilbud")
    other = make_deployment(aarhus, "Boligstøtte")
    with in_schema(aarhus):
        services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="EG Bolig",
            kind="username_password",
            username="robot01",
            password=PASSWORD,
            allowed_deployments=[allowed],
        )
        services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="Funktionscertifikat",
            kind="certificate",
            certificate=CERT,
            certificate_filename="robot.p12",
            certificate_password="cert-password",
            allowed_deployments=[allowed],
        )
        services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="Andet API",
            kind="api_key",
            api_key=API_KEY,
            allowed_deployments=[other],
        )
    # The runner side works from public: the service enters the member's schema itself.
    environment = services.secrets_for_job(deployment=allowed, job_reference="job 123")
    assert environment == {
        "RK_CRED_EG_BOLIG_USERNAME": "robot01",
        "RK_CRED_EG_BOLIG_PASSWORD": PASSWORD,
        "RK_CRED_FUNKTIONSCERTIFIKAT_CERTIFICATE": base64.b64encode(CERT).decode(),
        "RK_CRED_FUNKTIONSCERTIFIKAT_CERTIFICATE_FILENAME": "robot.p12",
        "RK_CRED_FUNKTIONSCERTIFIKAT_CERTIFICATE_PASSWORD": "cert-password",
    }
    assert connection.schema_name == "public"
    services.secrets_for_job(deployment=allowed, job_reference="job 124")
    with in_schema(aarhus):
        uses = list(CredentialUse.objects.order_by("pk"))
    assert [(use.credential_name, use.job_reference) for use in uses] == [
        ("EG Bolig", "job 123"),
        ("Funktionscertifikat", "job 123"),
        ("EG Bolig", "job 124"),
        ("Funktionscertifikat", "job 124"),
    ]
    assert {use.deployment_id for use in uses} == {allowed.pk}
    assert services.secrets_for_job(deployment=other, job_reference="job 9") == {
        "RK_CRED_ANDET_API_API_KEY": API_KEY
    }


def test_expired_credentials_are_refused_and_nothing_is_handed_out(
    aarhus, owner, make_deployment, in_schema
):
    deployment = make_deployment(aarhus)
    today = timezone.localdate()
    with in_schema(aarhus):
        services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="Gammel",
            kind="username_password",
            username="robot",
            password=PASSWORD,
            expires_on=today - timedelta(days=1),
            allowed_deployments=[deployment],
        )
        services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="Sidste dag",
            kind="api_key",
            api_key=API_KEY,
            expires_on=today,
            allowed_deployments=[deployment],
        )
    with pytest.raises(services.CredentialRefused) as refused:
        services.secrets_for_job(deployment=deployment, job_reference="job 1")
    message = " ".join(refused.value.messages)
    assert "Gammel" in message and "Sidste dag" not in message
    assert PASSWORD not in message and API_KEY not in message
    with in_schema(aarhus):
        assert CredentialUse.objects.count() == 0


def test_a_member_cannot_grant_another_members_deployment(
    aarhus, odense, owner, make_deployment, in_schema
):
    theirs = make_deployment(odense)
    with in_schema(aarhus), pytest.raises(ValidationError) as refused:
        services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="X",
            kind="api_key",
            api_key=API_KEY,
            allowed_deployments=[theirs],
        )
    assert "allowed_deployments" in refused.value.message_dict
    # and secrets_for_job never mixes schemas: odense's deployment sees odense's (none).
    with in_schema(aarhus):
        services.create_credential(
            organisation=aarhus, actor=owner, name="Y", kind="api_key", api_key=API_KEY
        )
    assert services.secrets_for_job(deployment=theirs, job_reference="job 2") == {}


def test_the_vault_is_only_written_in_the_members_own_schema(aarhus, odense, owner, in_schema):
    with in_schema(odense), pytest.raises(RuntimeError):
        services.create_credential(
            organisation=aarhus, actor=owner, name="X", kind="api_key", api_key=API_KEY
        )


def test_a_grant_to_a_deployment_that_does_not_exist_is_refused(aarhus, owner, in_schema):
    """No database constraint crosses from a member schema into public (it would keep the
    public tables from being truncated or restored on their own): the services refuse."""
    with in_schema(aarhus), pytest.raises(ValidationError) as refused:
        services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="X",
            kind="api_key",
            api_key=API_KEY,
            allowed_deployments=[987654],
        )
    assert "allowed_deployments" in refused.value.message_dict
    with in_schema(aarhus):
        assert not Credential.objects.exists()


def test_each_deployment_shows_whether_a_credential_is_granted_to_it(
    aarhus, owner, make_deployment, in_schema
):
    """What a claim reads to know whether to hand out credentials (robots_claim_job)."""
    first = make_deployment(aarhus, "Lejetilbud")
    second = make_deployment(aarhus, "Boligstøtte")

    def granted():
        first.refresh_from_db()
        second.refresh_from_db()
        return first.credentials_granted, second.credentials_granted

    assert granted() == (False, False)
    with in_schema(aarhus):
        key = services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="API",
            kind="api_key",
            api_key=API_KEY,
            allowed_deployments=[first],
        )
        login = services.create_credential(
            organisation=aarhus,
            actor=owner,
            name="EG Bolig",
            kind="username_password",
            username="robot01",
            password=PASSWORD,
            allowed_deployments=[first, second],
        )
        assert granted() == (True, True)
        services.update_credential(
            credential=login, organisation=aarhus, actor=owner, allowed_deployments=[first]
        )
        assert granted() == (True, False)
        services.delete_credential(credential=key, organisation=aarhus, actor=owner)
        assert granted() == (True, False)
        services.delete_credential(credential=login, organisation=aarhus, actor=owner)
        assert granted() == (False, False)
