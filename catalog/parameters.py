"""A robot's parameters: validated field by field against its JSON Schema, and a form
generated from that schema (so members fill in fields, not JSON)."""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker

from core.views import apply_errors

NON_FIELD = "__all__"


def _message(error) -> str:
    """The reason in the reader's language for the validators members run into."""
    value = error.validator_value
    messages = {
        "required": lambda: _("This field is required."),
        "type": lambda: _("Must be of type %(type)s.") % {"type": value},
        "enum": lambda: (
            _("Choose one of: %(choices)s.")
            % {"choices": ", ".join(str(choice) for choice in value)}
        ),
        "minimum": lambda: _("Must be at least %(limit)s.") % {"limit": value},
        "maximum": lambda: _("Must be at most %(limit)s.") % {"limit": value},
        "minLength": lambda: _("Must be at least %(limit)s characters.") % {"limit": value},
        "maxLength": lambda: _("Must be at most %(limit)s characters.") % {"limit": value},
        "pattern": lambda: _("Does not have the expected form (%(pattern)s).") % {"pattern": value},
        "format": lambda: _("Is not a valid %(format)s.") % {"format": value},
        "additionalProperties": lambda: (
            _("Unknown parameters: %(names)s.")
            % {"names": error.message.split("(")[-1].rstrip(")")}
        ),
    }
    return messages.get(error.validator, lambda: error.message)()


def parameter_errors(schema: dict, parameters) -> dict[str, list[str]]:
    """Every violation, keyed by the top-level parameter it concerns (``__all__`` if none)."""
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors: dict[str, list[str]] = {}
    for error in validator.iter_errors(parameters):
        if error.validator == "required":
            missing = [name for name in error.validator_value if name not in (parameters or {})]
            for name in missing:
                errors.setdefault(name, []).append(_("This field is required."))
            continue
        field = str(error.absolute_path[0]) if error.absolute_path else NON_FIELD
        errors.setdefault(field, []).append(_message(error))
    return errors


def validate_parameters(schema: dict, parameters, field_prefix: str = "") -> None:
    """Raise a ValidationError with one entry per parameter that violates the schema."""
    if not isinstance(parameters, dict):
        raise ValidationError({"parameters": _("The parameters must be a JSON object.")})
    errors = parameter_errors(schema, parameters)
    if errors:
        raise ValidationError(
            {
                (f"{field_prefix}{field}" if field != NON_FIELD else "parameters"): messages
                for field, messages in errors.items()
            }
        )


def _field(name: str, spec: dict, required: bool) -> forms.Field:
    options = {
        "label": spec.get("title") or name,
        "help_text": spec.get("description", ""),
        "required": required,
    }
    if "default" in spec:
        options["initial"] = spec["default"]
    kind = spec.get("type")
    if "enum" in spec:
        choices = [(str(choice), str(choice)) for choice in spec["enum"]]
        return forms.TypedChoiceField(
            choices=([] if required else [("", "–")]) + choices,
            coerce=lambda raw, enum=spec["enum"]: next(c for c in enum if str(c) == raw),
            empty_value=None,
            **options,
        )
    if kind == "boolean":
        return forms.BooleanField(**{**options, "required": False})
    if kind == "integer":
        return forms.IntegerField(
            min_value=spec.get("minimum"), max_value=spec.get("maximum"), **options
        )
    if kind == "number":
        return forms.DecimalField(
            min_value=spec.get("minimum"), max_value=spec.get("maximum"), **options
        )
    if kind == "string" and spec.get("format") == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **options)
    if kind == "string" and spec.get("format") == "email":
        return forms.EmailField(max_length=spec.get("maxLength"), **options)
    return forms.CharField(
        max_length=spec.get("maxLength"), min_length=spec.get("minLength"), **options
    )


def form_fields(schema: dict) -> dict[str, forms.Field]:
    """One form field per top-level property, prefixed ``param_`` to stay clear of others."""
    required = set(schema.get("required", []))
    return {
        f"param_{name}": _field(name, spec or {}, name in required)
        for name, spec in (schema.get("properties") or {}).items()
    }


def from_form(schema: dict, cleaned_data: dict) -> dict:
    """The parameters as JSON values, leaving out what was not filled in."""
    parameters = {}
    for name in schema.get("properties") or {}:
        value = cleaned_data.get(f"param_{name}")
        if value is None or value == "":
            continue
        if isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else float(value)
        elif isinstance(value, date):
            value = value.isoformat()
        parameters[name] = value
    return parameters


class ParameterFormMixin:
    """Adds one field per parameter of the robot's JSON Schema (``param_<name>``)."""

    def add_parameter_fields(self, schema: dict) -> None:
        self.schema = schema
        self.fields.update(form_fields(schema))

    @property
    def parameter_fields(self):
        return [field for field in self if field.name.startswith("param_")]

    @property
    def other_fields(self):
        return [field for field in self if not field.name.startswith("param_")]

    def parameters(self) -> dict:
        return from_form(self.schema, self.cleaned_data)

    def apply_parameter_errors(self, error: ValidationError) -> None:
        """Show a service's refusal on the form: the services name a parameter as the schema
        does (``name``, or ``parameters.name`` for a run's), the form prefixes it ``param_``."""
        if hasattr(error, "error_dict"):
            fields = {}
            for key, value in error.error_dict.items():
                name = key.removeprefix("parameters.")
                fields[f"param_{name}" if f"param_{name}" in self.fields else key] = value
            error = ValidationError(fields)
        apply_errors(self, error)
