"""The error handlers (handler400/403/404/500 of both URL confs): the API's error body
(``{"error": {"code", "message", "fields"}}``, as ``config/api.py``) under ``/api/``, the
site's pages everywhere else."""

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


class NulCharacter(SuspiciousOperation):
    """A NUL character, which PostgreSQL cannot store or compare."""


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def error_body(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


def bad_request(request, exception=None):
    if not is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return error_body(413, "too_large", _("The request body is too large."))
    if isinstance(exception, NulCharacter):
        return error_body(
            400, "parse_error", _("Text may not contain the NUL character (\\u0000).")
        )
    return error_body(400, "bad_request", _("The request could not be understood."))


def permission_denied(request, exception=None):
    if not is_api(request):
        return defaults.permission_denied(request, exception)
    return error_body(
        403, "permission_denied", _("You do not have permission to perform this action.")
    )


def page_not_found(request, exception=None):
    if not is_api(request):
        return defaults.page_not_found(request, exception)
    return error_body(404, "not_found", _("Not found."))


def server_error(request):
    if not is_api(request):
        return defaults.server_error(request)
    return error_body(500, "error", _("Something went wrong on our side. Please try again."))
