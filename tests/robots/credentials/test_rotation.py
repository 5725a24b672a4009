"""Key rotation: the command re-encrypts with the newest key; old keys can then go."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command

from robots.credentials import crypto, services
from robots.credentials.models import Credential

PASSWORD = "Hemmelig-Adgangskode-42"


def make_credentials(organisation, owner, in_schema):
    with in_schema(organisation):
        services.create_credential(
            organisation=organisation,
            actor=owner,
            name="Login",
            kind="username_password",
            username="robot",
            password=PASSWORD,
        )
        services.create_credential(
            organisation=organisation,
            actor=owner,
            name="Certifikat",
            kind="certificate",
            certificate=b"certificate bytes",
            certificate_password="cert-pass",
        )


def test_rotation_re_encrypts_with_the_new_key_and_the_old_key_can_go(
    aarhus, odense, owner, settings, in_schema
):
    old_key = Fernet.generate_key().decode()
    new_key = Fernet.generate_key().decode()
    settings.CREDENTIAL_KEYS = [old_key]
    make_credentials(aarhus, owner, in_schema)
    make_credentials(odense, owner, in_schema)

    settings.CREDENTIAL_KEYS = [new_key, old_key]  # the new key goes first
    out = StringIO()
    call_command("rotate_credential_keys", stdout=out)
    assert "org_aarhus: 2 credential(s) re-encrypted" in out.getvalue()
    assert "Re-encrypted 4 credential(s) in 2 schema(s)" in out.getvalue()

    settings.CREDENTIAL_KEYS = [new_key]  # the old key is dropped
    new_only = Fernet(new_key.encode())
    for organisation in (aarhus, odense):
        with in_schema(organisation):
            credential = Credential.objects.get(name="Login")
            assert credential.rotated_at is not None
            assert new_only.decrypt(bytes(credential.password_token)) == PASSWORD.encode()
            assert crypto.decrypt(credential.password_token).decode() == PASSWORD
            certificate = Credential.objects.get(name="Certifikat")
            assert crypto.decrypt(certificate.certificate_token) == b"certificate bytes"
            assert crypto.decrypt(certificate.certificate_password_token) == b"cert-pass"
            with pytest.raises(InvalidToken):
                Fernet(old_key.encode()).decrypt(bytes(credential.password_token))


def test_rotation_of_one_schema_and_a_dropped_key_changes_nothing(
    aarhus, odense, owner, settings, in_schema
):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CREDENTIAL_KEYS = [old_key]
    make_credentials(aarhus, owner, in_schema)
    make_credentials(odense, owner, in_schema)
    settings.CREDENTIAL_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_credential_keys", schema="org_aarhus", stdout=out)
    assert "org_odense" not in out.getvalue()
    with in_schema(odense):
        token = bytes(Credential.objects.get(name="Login").password_token)
    assert Fernet(old_key.encode()).decrypt(token) == PASSWORD.encode()

    # Dropping the old key before rotating odense: the command refuses, odense is untouched.
    settings.CREDENTIAL_KEYS = [new_key]
    with pytest.raises(CommandError, match="put the old key back"):
        call_command("rotate_credential_keys", schema="org_odense", stdout=StringIO())
    with in_schema(odense):
        assert bytes(Credential.objects.get(name="Login").password_token) == token
    with pytest.raises(CommandError):
        call_command("rotate_credential_keys", schema="public", stdout=StringIO())
