"""gunicorn's access log without secrets (``logger_class`` in platform/gunicorn.conf.py).

Every value a log format can name is masked: the request line, path and query string
(invitation, password-reset and signed-file links), the Referer (which carries the same
links on the next request), and request and response headers; credential headers
(Authorization, Cookie, Set-Cookie) are never written at all. Imported by gunicorn's master
before Django starts, so it uses plain Python only.
"""

from gunicorn.glogging import Logger

from core.logmask import MASK, SECRET_HEADERS, mask_url_secrets
from robots.credentials.redaction import redact


def _header_name(atom: str) -> str | None:
    """``{authorization}i`` → ``authorization``; environ atoms ``{http_cookie}e`` too."""
    if atom.startswith("{") and atom[-2:] in ("}i", "}o", "}e"):
        name = atom[1:-2].lower().replace("_", "-")
        return name.removeprefix("http-")
    return None


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        masked = {}
        for key, value in atoms.items():
            if _header_name(key) in SECRET_HEADERS:
                masked[key] = MASK
            elif isinstance(value, str):
                masked[key] = redact(mask_url_secrets(value))
            else:
                masked[key] = value
        return masked
