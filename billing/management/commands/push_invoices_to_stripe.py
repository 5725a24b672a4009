from datetime import date

import stripe
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing.models import Period
from billing.services import stripe_sync


class Command(BaseCommand):
    help = (
        "Push a closed month's invoices of card-paying members to Stripe (those not there "
        "yet): push_invoices_to_stripe YYYY-MM"
    )

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")

    def handle(self, *args, month: str, **options):
        try:
            year, number = (int(part) for part in month.split("-"))
            first_day = date(year, number, 1)
        except ValueError:
            raise CommandError("Give the month as YYYY-MM, e.g. 2026-11.") from None
        period = Period.objects.filter(month=first_day).first()
        if period is None:
            raise CommandError(f"There is no billing period {month}.")
        try:
            records = stripe_sync.push_period(period)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        except stripe.StripeError as error:
            raise CommandError(f"Stripe refused or could not be reached: {error}") from None
        for record in records:
            self.stdout.write(f"{record.invoice.number}: {record.stripe_invoice_id}")
        self.stdout.write(self.style.SUCCESS(f"{len(records)} invoices are in Stripe."))
