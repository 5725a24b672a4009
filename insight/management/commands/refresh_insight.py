from django.core.management.base import BaseCommand, CommandError

from billing.months import parse_month
from insight import services


class Command(BaseCommand):
    help = "Recompute the value and cost rollups (default: the recent months)."

    def add_arguments(self, parser):
        parser.add_argument("months", nargs="*", help="months as YYYY-MM")
        parser.add_argument("--all", action="store_true", help="every month since the first run")

    def handle(self, *args, months, all, **options):
        try:
            chosen = [parse_month(month) for month in months]
        except ValueError as error:
            raise CommandError(f"A month is written YYYY-MM: {error}") from error
        if all:
            chosen = services.all_months()
        result = services.refresh_rollups(chosen or None)
        self.stdout.write(
            f"Refreshed {result['months']} months: {result['values']} deployment months, "
            f"{result['costs']} member bills."
        )
