"""What every API endpoint shares: pagination and one error body.

Errors always look like ``{"error": {"code": ..., "message": ..., "fields": {...}}}``.
"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class CursorPagination(pagination.CursorPagination):
    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            {
                (non_field if field == NON_FIELD_ERRORS else field): messages
                for field, messages in exc.message_dict.items()
            }
            if hasattr(exc, "error_dict")
            else {non_field: exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        # ValidationError("...") or ValidationError([...]) has no field: keep its messages.
        fields = response.data if isinstance(response.data, dict) else {non_field: response.data}
        body = {
            "code": "invalid",
            "message": str(exceptions.ValidationError.default_detail),
            "fields": fields,
        }
    else:
        detail = getattr(exc, "detail", "")
        body = {
            "code": getattr(detail, "code", None) or getattr(exc, "default_code", "error"),
            "message": str(detail),
            "fields": {},
        }
    response.data = {"error": body}
    return response
