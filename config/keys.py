"""Keys the settings derive when the environment gives none (development only)."""

import base64
import hashlib


def development_key(secret_key: str) -> str:
    """A stable Fernet key for the credentials vault, derived from SECRET_KEY."""
    digest = hashlib.sha256(b"robotkontor-credential-key:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()
