from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing import services


class Command(BaseCommand):
    help = "Book a month's usage and close its billing period: close_period YYYY-MM"

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")

    def handle(self, *args, month: str, **options):
        try:
            year, number = (int(part) for part in month.split("-"))
            first_day = date(year, number, 1)
        except ValueError:
            raise CommandError("Give the month as YYYY-MM, e.g. 2026-11.") from None
        period = services.get_period(first_day)

        def report(percent: int, message: str) -> None:
            services.set_progress(period, percent, message)
            self.stdout.write(f"{percent:3d} % {message}")

        try:
            period = services.close_period_with_progress(period, report)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        invoices = period.invoices.filter(number__isnull=False).count()
        self.stdout.write(self.style.SUCCESS(f"{period.label} is closed: {invoices} invoices."))
