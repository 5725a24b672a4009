from billing import services
from billing.management.base import MonthCommand


class Command(MonthCommand):
    help = "Book a month's usage and close its billing period: close_period YYYY-MM"

    def handle_month(self, first_day, *, month: str, **options):
        period = services.get_period(first_day)

        def report(percent: int, message: str) -> None:
            services.set_progress(period, percent, message)
            self.stdout.write(f"{percent:3d} % {message}")

        period = services.close_period_with_progress(period, report)
        invoices = period.invoices.filter(number__isnull=False).count()
        self.stdout.write(self.style.SUCCESS(f"{period.label} is closed: {invoices} invoices."))
