"""Validators every app may use: JSON Schemas, and bounds on values people and robots type
in, checked in one place by forms, serializers, models and uploads alike, so nothing out of
range reaches the database (where, say, a deadline of 01-01-0001 would break every page and
detector that reads it)."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

SANE_YEARS = (2000, 2100)


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


def validate_sane_date(value: date | datetime | None) -> None:
    """A date (or time) in the years 2000–2100; None passes (the field decides if it may be
    empty)."""
    if value is None:
        return
    first, last = SANE_YEARS
    if not first <= value.year <= last:
        raise ValidationError(
            _("The date must be between the years %(first)s and %(last)s."),
            params={"first": first, "last": last},
            code="date_out_of_range",
        )
