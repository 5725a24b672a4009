"""What the billing commands share: a month given as YYYY-MM, refusals as command errors."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing.months import parse_month


class MonthCommand(BaseCommand):
    """A command about one billing month, its first argument (``YYYY-MM``).

    Subclasses write ``handle_month(first_day, month, **options)``; a refusal of a service
    (ValidationError) ends the command with its messages."""

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")

    def handle(self, *args, month: str, **options):
        try:
            first_day = parse_month(month)
        except ValueError:
            raise CommandError("Give the month as YYYY-MM, e.g. 2026-11.") from None
        try:
            self.handle_month(first_day, month=month, **options)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None

    def handle_month(self, first_day: date, *, month: str, **options) -> None:
        raise NotImplementedError
