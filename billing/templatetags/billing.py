"""Danish amounts on the billing pages, whatever the reader's language: 1.234,56 kr."""

from decimal import Decimal

from django import template

from billing.money import format_kr, format_number
from core import display
from tenants.models import Organisation

register = template.Library()


@register.filter
def kr(ore: int | None) -> str:
    return "–" if ore is None else format_kr(ore)


@register.filter
def number(value, places: int = 0) -> str:
    return "–" if value is None else format_number(Decimal(value), places)


@register.filter
def member_kinds(kinds) -> str:
    """A cost pool's kinds of member by their names ("Kommune, Boligorganisation")."""
    return display.labels(kinds, Organisation.Kind.choices)
