import stripe
from django.core.management.base import CommandError

from billing.management.base import MonthCommand
from billing.models import Period
from billing.services import stripe_sync


class Command(MonthCommand):
    help = (
        "Push a closed month's invoices of card-paying members to Stripe (those not there "
        "yet): push_invoices_to_stripe YYYY-MM"
    )

    def handle_month(self, first_day, *, month: str, **options):
        period = Period.objects.filter(month=first_day).first()
        if period is None:
            raise CommandError(f"There is no billing period {month}.")
        try:
            records = stripe_sync.push_period(period)
        except stripe.StripeError as error:
            raise CommandError(f"Stripe refused or could not be reached: {error}") from None
        for record in records:
            self.stdout.write(f"{record.invoice.number}: {record.stripe_invoice_id}")
        self.stdout.write(self.style.SUCCESS(f"{len(records)} invoices are in Stripe."))
