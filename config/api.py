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


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {},
                    "description": "Per field, what is wrong with it (400).",
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
# What any operation may answer besides its own responses: refused input (a bad query
# parameter or body, a NUL character), no or a wrong token, no permission, not found (or
# another organisation's).
ANY_OPERATION_ERRORS = {
    "400": "The input was refused; `fields` says why, field by field.",
    "401": "No valid API token, session or runner token.",
    "403": "Not allowed for this role or on this site.",
    "404": "Not found, or not this organisation's.",
}
BODY_ERRORS = {
    "413": "The request body is too large.",
    "415": "The body's content type is not one this operation reads (JSON or a form).",
}
CONFLICT = "The object has moved on: the change no longer applies."
METHODS = ("get", "put", "post", "patch", "delete")


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error body, and the errors every operation
    can answer, in the schema (so clients and schemathesis know them)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            errors = dict(ANY_OPERATION_ERRORS)
            if "requestBody" in operation:
                errors |= BODY_ERRORS
            if "409" in responses:
                errors["409"] = responses["409"].get("description") or CONFLICT
            for code, description in errors.items():
                if "content" not in responses.get(code, {}):
                    responses[code] = {"description": description, "content": error}
    return result
