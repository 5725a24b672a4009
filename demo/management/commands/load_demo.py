from django.core.management.base import BaseCommand

from billing import demo as billing_demo
from catalog import demo as catalog_demo
from insight import demo as insight_demo
from intake import demo as intake_demo
from members.lifecycle import demo as members_demo
from orders import demo as orders_demo
from robots.workitems import demo as workitems_demo
from tenants import demo


class Command(BaseCommand):
    help = "Load the demo partnership (idempotent)."

    def handle(self, *args, **options):
        logins = demo.load()
        robots = catalog_demo.load()
        orders = orders_demo.load()
        ideas = intake_demo.load()
        items = workitems_demo.load()
        pools = billing_demo.load()
        history = insight_demo.load()
        credit_note = billing_demo.add_credit_note()
        joined = members_demo.load()
        self.stdout.write(self.style.SUCCESS("Demo partnership ready. Sign in with:"))
        for url, email, role in logins:
            self.stdout.write(f"  {url:<32} {email:<28} {role}")
        self.stdout.write(f"  Password for every demo user: {demo.DEMO_PASSWORD}")
        if robots:
            self.stdout.write(f"Added {robots} demo robots to the catalog.")
        if orders or ideas:
            self.stdout.write(f"Added {orders} demo orders and {ideas} demo ideas.")
        if items:
            self.stdout.write(f"Added {items} demo work items to the members' queues.")
        if pools:
            self.stdout.write(f"Added a rate card and {pools} cost pools for this month.")
        if history:
            self.stdout.write(
                f"Added half a year of run history and closed {history} months of billing."
            )
        if credit_note:
            self.stdout.write(
                f"Credited a line of invoice no. {credit_note.credits.number} with credit note"
                f" no. {credit_note.number}."
            )
        if joined:
            self.stdout.write(
                f"Added Horsens Kommune, a member since {joined} (admin@horsens.dk), "
                "with its data-processing agreement."
            )
