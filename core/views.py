"""Helpers every app's pages use to show a refusal (a ValidationError from a service, or a
form that did not validate)."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def apply_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its fields where they exist."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def flash_errors(request, error: ValidationError) -> None:
    """Show a service's ValidationError as messages on the next page (no form to put it on)."""
    for message in error.messages:
        messages.error(request, message)


def flash_form_errors(request, form) -> None:
    """Show a refused form's errors as messages on the next page (a bulk action's form,
    posted from a list that redirects back)."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
