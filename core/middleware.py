"""Middleware every app relies on.

``BadInputMiddleware``: input no view should see — NUL characters in the path, the query
string or a page's form, and API bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's limit
on a body that is not a file) — is refused before any view or database sees it;
``core.errors`` answers (JSON on the API, a page elsewhere).

``NoStoreMiddleware``: pages and API answers are never kept by a browser or a shared cache.
Almost every response here carries personal data — people's names and e-mails, work items
and their payloads, run logs, invoices — so every response Django renders is sent with
``Cache-Control: no-store, private``: no back-button copy on a shared computer in a town
hall, no copy in a proxy. Static files (WhiteNoise, placed before this middleware) and the
health probes (answered before it) keep their own caching.
"""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.cache import patch_cache_control

from core.errors import NulCharacter, bad_request, is_api

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or b"\x00" in unquote_to_bytes(
            request.META.get("QUERY_STRING", "")
        ):
            return bad_request(request, NulCharacter("NUL in the path or query string"))
        content_type = request.META.get("CONTENT_TYPE", "")
        if is_api(request) and not content_type.startswith("multipart/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and length > limit:
                return bad_request(request, RequestDataTooBig("body over the limit"))
        # The API's forms are checked by its parsers (core/parsers.py): reading request.POST
        # here would hand a JSON-only view the form it should refuse.
        if (
            not is_api(request)
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and content_type.startswith(FORMS)
        ):
            for key, values in request.POST.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return bad_request(request, NulCharacter("NUL in form data"))
        return self.get_response(request)


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
