"""Secrets that travel in URLs, masked before a URL reaches a log line.

Invitation links (``/invitation/<token>/``), password-reset and e-mail-confirmation links
(allauth's ``/accounts/password/reset/key/<key>/`` and ``/accounts/confirm-email/<key>/``)
and signed file links (``?signature=…``) each let whoever holds them in; an access log or a
"Not Found: …" warning must not hand them on. Used by the gunicorn access log
(``config/access_log.py``) and the log filter on every Django log line
(``robots.credentials.redaction``). Plain Python: gunicorn's master imports it before Django.
"""

import re

MASK = "***"

# A path segment that is itself the secret, after the route that carries it.
_SECRET_PATH = re.compile(
    r"(/(?:invitation|password/reset/key|confirm-email)/)[^/?#\s\"']+",
    re.IGNORECASE,
)
# A query parameter whose value is a secret (also when percent-encoded in a Referer).
_SECRET_QUERY = re.compile(
    r"((?:^|[?&;]|%3F|%26)(?:signature|sig|token|access_token|key|code|secret|password"
    r"|api_key|apikey)(?:=|%3D))[^&#;\s\"']+",
    re.IGNORECASE,
)
# Headers whose whole value is a credential.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def mask_url_secrets(text: str) -> str:
    """``text`` with every secret in a URL in it replaced by ``***``."""
    if not text or not isinstance(text, str):
        return text
    text = _SECRET_PATH.sub(r"\g<1>" + MASK, text)
    return _SECRET_QUERY.sub(r"\g<1>" + MASK, text)
