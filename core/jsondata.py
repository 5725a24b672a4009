"""JSON from outside, read safely: the API's parser (``JSONParser``, DRF's default here).

PostgreSQL cannot store a NUL character in text or ``jsonb``, and JSON nested thousands deep
exhausts Python's stack while it is read or written: both are refused with a clear 400
before any view sees them, as is a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413).
"""

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status
from rest_framework.negotiation import BaseContentNegotiation

MAX_DEPTH = 64
NUL = "\x00"
NESTED_TOO_DEEPLY = _("The JSON is nested too deeply: at most %(depth)s levels.")
NUL_REFUSED = _("Text may not contain the NUL character (\\u0000).")


class InvalidJson(ValueError):
    """JSON we do not take, with a message for the sender."""


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


def _refuse_constant(name: str):
    raise InvalidJson(_("%(value)s is not valid JSON.") % {"value": name})


def check(value, depth: int = 1) -> None:
    """Raise InvalidJson when ``value`` nests deeper than MAX_DEPTH or holds a NUL."""
    if depth > MAX_DEPTH:
        raise InvalidJson(NESTED_TOO_DEEPLY % {"depth": MAX_DEPTH})
    if isinstance(value, str):
        if NUL in value:
            raise InvalidJson(NUL_REFUSED)
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                raise InvalidJson(NUL_REFUSED)
            check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check(item, depth + 1)


def loads(text: str):
    """``json.loads`` refusing NaN and Infinity, NUL characters and deep nesting."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidJson(NESTED_TOO_DEEPLY % {"depth": MAX_DEPTH}) from None
    except json.JSONDecodeError as error:
        raise InvalidJson(_("The body is not valid JSON: %(error)s") % {"error": error}) from None
    # Cheap tests first: most bodies have neither a NUL escape nor 64 brackets.
    if "\\u0000" in text or text.count("[") + text.count("{") > MAX_DEPTH:
        check(value)
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with ``loads`` above and a limit on the body's size."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = b"" if stream is None else stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise BodyTooLarge()
        try:
            return loads(raw.decode(encoding))
        except UnicodeDecodeError:
            raise exceptions.ParseError(
                _("The body is not valid %(encoding)s.") % {"encoding": encoding}
            ) from None
        except InvalidJson as error:
            raise exceptions.ParseError(str(error)) from None


class JsonOnly(BaseContentNegotiation):
    """Runners and robots speak JSON only: nothing to negotiate, whatever they send in
    ``Accept`` (DRF's documented ``IgnoreClientContentNegotiation``)."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
