"""Keep secrets out of logs.

Every secret handed to a job in this process is remembered (a bounded, thread-safe set) and
masked wherever it appears; so are common shapes of secrets (``password=…``,
``Authorization: Bearer …``, our ``rk_…`` API tokens). ``RedactSecrets`` is installed on
the root log handler (settings.LOGGING); the runner agent calls ``redact`` on robot output
before it is stored as log lines.
"""

import logging
import re
import threading
from collections import OrderedDict

from core.logmask import mask_url_secrets

MASK = "***"
# Shorter values would mask ordinary words; the patterns below still catch them in context.
MIN_SECRET_LENGTH = 4
MAX_REMEMBERED = 2048
# Of the variables a job's credentials are handed out under, these hold secrets.
SECRET_SUFFIXES = ("_PASSWORD", "_API_KEY", "_CERTIFICATE")

_lock = threading.Lock()
_secrets: OrderedDict[str, None] = OrderedDict()
_by_length: list[str] = []

_PATTERNS = [
    # Authorization: Bearer abc / Basic abc / Token abc
    (
        re.compile(r"(?i)(authorization\s*[:=]\s*(?:bearer|basic|token)\s+)[^\s,;\"']+"),
        r"\g<1>" + MASK,
    ),
    # "password": "…" in JSON, and password=… / api_key: … in text, URLs and command lines
    (
        re.compile(
            r"(?i)(\"(?:password|passwd|pwd|secret|api[_-]?key|token|access[_-]?token)\"\s*:\s*\")"
            r"[^\"]*(\")"
        ),
        r"\g<1>" + MASK + r"\g<2>",
    ),
    (
        re.compile(
            r"(?i)\b((?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|token)"
            r"\s*[=:]\s*)(?!\*\*\*)[^\s&,;\"']+"
        ),
        r"\g<1>" + MASK,
    ),
    # Credentials in URLs: scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+(@)"), r"\g<1>" + MASK + r"\g<2>"),
    # Our personal API tokens.
    (re.compile(r"\brk_[A-Za-z0-9_\-]{8,}"), "rk_" + MASK),
]


def register_secret(value: str | bytes) -> None:
    """Remember a secret value so that it is masked from now on in this process."""
    if isinstance(value, bytes):
        value = value.decode(errors="ignore")
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    global _by_length
    with _lock:
        _secrets[value] = None
        _secrets.move_to_end(value)
        while len(_secrets) > MAX_REMEMBERED:
            _secrets.popitem(last=False)
        _by_length = sorted(_secrets, key=len, reverse=True)


def secret_values(environment: dict[str, str]) -> list[str]:
    """The secret values among a job's credential variables (not user names, file names).

    Plain Python (no Django): the runner agent uses it too."""
    return [
        value
        for name, value in environment.items()
        if name.endswith(SECRET_SUFFIXES) and len(value) >= MIN_SECRET_LENGTH
    ]


def forget_all_secrets() -> None:
    global _by_length
    with _lock:
        _secrets.clear()
        _by_length = []


def redact(text: str) -> str:
    """``text`` with every known secret and secret-looking value replaced by ``***``, and
    the secrets in URLs (invitation, reset and signed-file links; core.logmask)."""
    if not text:
        return text
    text = mask_url_secrets(text)
    for secret in _by_length:  # longest first, so a secret containing another is masked whole
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """A logging filter that rewrites each record's message (and traceback) redacted."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — a broken record must still not leak its arguments
            message = str(record.msg)
        redacted = redact(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
