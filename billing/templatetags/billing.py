"""Danish amounts on the billing pages, whatever the reader's language: 1.234,56 kr."""

from decimal import Decimal

from django import template

from billing.money import format_kr, format_number

register = template.Library()


@register.filter
def kr(ore: int | None) -> str:
    return "–" if ore is None else format_kr(ore)


@register.filter
def number(value, places: int = 0) -> str:
    return "–" if value is None else format_number(Decimal(value), places)
