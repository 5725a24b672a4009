"""Schedules on pages: ``{{ expression|schedule_text }}`` reads a cron expression as a
sentence in the reader's language; ``next_runs`` gives its next run times."""

from django import template

from robots import recurrence

register = template.Library()


@register.filter
def schedule_text(expression: str) -> str:
    return recurrence.describe(expression)


@register.simple_tag
def next_runs(expression: str, skip_holidays: bool = True, count: int = 3):
    return recurrence.next_runs(expression, count=count, skip_holidays=skip_holidays)
