"""Validators every app may use."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError


def check_json_schema(value, *, not_an_object: str) -> None:
    """Refuse ``value`` unless it is a valid JSON Schema (draft 2020-12) object;
    ``not_an_object`` says what it is when it is not even a JSON object."""
    if not isinstance(value, dict):
        raise ValidationError(not_an_object)
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as error:
        path = "/".join(str(part) for part in error.absolute_path) or "(root)"
        raise ValidationError(
            _("This is not a valid JSON Schema at %(path)s: %(reason)s"),
            params={"path": path, "reason": error.message},
        ) from None
