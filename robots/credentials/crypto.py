"""Encryption of credential secrets at rest: Fernet tokens under a list of rotating keys.

``settings.CREDENTIAL_KEYS`` lists Fernet keys, newest first. New secrets are encrypted with
the newest key; every listed key can decrypt. ``rotate_credential_keys`` re-encrypts stored
secrets with the newest key, after which older keys can be removed from the environment.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class UndecryptableSecret(Exception):
    """A stored secret does not decrypt with any configured key (a key was dropped too early)."""


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("CREDENTIAL_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as error:
        # Never echo the keys themselves.
        raise ImproperlyConfigured(
            "CREDENTIAL_KEYS must be comma-separated Fernet keys (32 url-safe base64 bytes)."
        ) from error


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.CREDENTIAL_KEYS))


def encrypt(value: bytes | str) -> bytes:
    if isinstance(value, str):
        value = value.encode()
    return fernet().encrypt(value)


def decrypt(token: bytes | memoryview) -> bytes:
    try:
        return fernet().decrypt(bytes(token))
    except InvalidToken:
        raise UndecryptableSecret(
            "A stored credential secret cannot be decrypted with the configured keys."
        ) from None


def rotate(token: bytes | memoryview) -> bytes:
    try:
        return fernet().rotate(bytes(token))
    except InvalidToken:
        raise UndecryptableSecret(
            "A stored credential secret cannot be decrypted with the configured keys."
        ) from None
