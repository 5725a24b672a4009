"""Pushing closed invoices of card-paying members to Stripe Invoicing, and what Stripe tells
us back (webhook events).

Every write to Stripe carries an idempotency key derived from our invoice number (and line
id), so a retried push returns what the first attempt created instead of creating it again.
Stripe forgets idempotency keys after a day, so a push also records the Stripe draft as soon
as it exists and, on a later retry, adds only the lines the draft does not have yet.
"""

import logging
from contextlib import contextmanager
from datetime import UTC, datetime

import stripe
from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    CardPayment,
    Invoice,
    Period,
    StripeCustomer,
    StripeEvent,
    StripeInvoice,
)
from billing.money import format_number
from tenants.models import Organisation

logger = logging.getLogger(__name__)

CURRENCY = "dkk"
# Session advisory locks (namespace, CVR) serialise pushes to one Stripe customer.
PUSH_LOCK_NAMESPACE = 0x5354


class StripeDisabled(ValidationError):
    def __init__(self):
        super().__init__(_("Stripe is not configured (STRIPE_API_KEY is empty)."))


def is_enabled() -> bool:
    return bool(settings.STRIPE_API_KEY)


def pays_by_card(organisation: Organisation) -> bool:
    return CardPayment.objects.filter(organisation=organisation, enabled=True).exists()


def set_card_payment(organisation: Organisation, *, enabled: bool) -> CardPayment:
    """Let a member pay by card via Stripe (or stop); applies to invoices closed from now."""
    choice, _created = CardPayment.objects.update_or_create(
        organisation=organisation, defaults={"enabled": enabled}
    )
    return choice


def client() -> stripe.StripeClient:
    if not is_enabled():
        raise StripeDisabled()
    return stripe.StripeClient(
        settings.STRIPE_API_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def _key(*parts: object) -> str:
    return "robotkontor-" + "-".join(str(part) for part in parts)


def invoices_to_push(period: Period):
    """The period's numbered invoices of card-paying members not yet finalized in Stripe."""
    return (
        Invoice.objects.filter(
            period=period,
            kind=Invoice.Kind.INVOICE,
            number__isnull=False,
            organisation__card_payment__enabled=True,
        )
        .exclude(stripe__status=StripeInvoice.Status.FINALIZED)
        .select_related("organisation")
        .order_by("number")
    )


def enqueue_pushes(invoices: list[tuple[int, int]]) -> None:
    """Queue a push for each card-paying member's invoice once the transaction commits;
    ``invoices``: the (id, organisation id) of numbered invoices (not credit notes).

    A push that cannot be queued (broker down) is logged; ``push_invoices_to_stripe`` finds
    it again.
    """
    if not is_enabled():
        return
    paying = set(
        CardPayment.objects.filter(
            enabled=True, organisation_id__in={organisation_id for _pk, organisation_id in invoices}
        ).values_list("organisation_id", flat=True)
    )
    for pk, organisation_id in invoices:
        if organisation_id in paying:
            transaction.on_commit(lambda pk=pk: push_invoice_to_stripe.delay(pk), robust=True)


# The task lives beside the code it runs and the code that queues it (``enqueue_pushes``,
# called by billing.services.invoices when a period closes), so billing.tasks ->
# billing.services -> this module stays one-way. Its name is the one it always had.
@shared_task(
    name="billing.tasks.push_invoice_to_stripe",
    autoretry_for=(stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError),
    retry_backoff=60,
    max_retries=8,
)
def push_invoice_to_stripe(invoice_id: int) -> str | None:
    """Push a closed invoice to Stripe; retried with the same idempotency keys on failure."""
    record = push_invoice(Invoice.objects.get(pk=invoice_id))
    return record.stripe_invoice_id if record else None


def _customer_for(api: stripe.StripeClient, organisation: Organisation) -> str:
    """The Stripe customer matched by CVR: ours on record, else Stripe's search, else new."""
    known = StripeCustomer.objects.filter(cvr=organisation.cvr).first()
    if known is not None:
        return known.stripe_id
    found = api.v1.customers.search({"query": f"metadata['cvr']:'{organisation.cvr}'"})
    if found.data:
        customer_id = found.data[0].id
    else:
        fields = {
            "name": organisation.name,
            "preferred_locales": ["da"],
            "metadata": {"cvr": organisation.cvr},
        }
        if organisation.contact_email:
            fields["email"] = organisation.contact_email
        customer = api.v1.customers.create(
            fields,
            {"idempotency_key": _key("customer", organisation.cvr)},
        )
        customer_id = customer.id
    StripeCustomer.objects.get_or_create(cvr=organisation.cvr, defaults={"stripe_id": customer_id})
    return customer_id


def _items(invoice: Invoice) -> list[tuple[str, dict]]:
    """(idempotency key, invoice item fields) for each line, and VAT as its own item so the
    Stripe invoice's total is ours to the øre."""
    items = [
        (
            _key("invoice", invoice.number, "line", line.pk),
            {
                "amount": line.amount_ore,
                "description": line.description,
                "metadata": {"robotkontor_line": str(line.pk)},
            },
        )
        for line in invoice.lines.order_by("position")
    ]
    if invoice.vat_ore:
        percent = format_number(invoice.vat_rate * 100, 2)
        items.append(
            (
                _key("invoice", invoice.number, "vat"),
                {
                    "amount": invoice.vat_ore,
                    "description": f"Moms {percent} %",
                    "metadata": {"robotkontor_line": "vat"},
                },
            )
        )
    return items


def _draft(api: stripe.StripeClient, invoice: Invoice) -> StripeInvoice:
    record = StripeInvoice.objects.filter(invoice=invoice).first()
    if record is not None:
        return record
    customer_id = _customer_for(api, invoice.organisation)
    days = max((invoice.due_on - invoice.issued_on).days, 0) if invoice.due_on else 0
    draft = api.v1.invoices.create(
        {
            "customer": customer_id,
            "currency": CURRENCY,
            "collection_method": "send_invoice",
            "days_until_due": days,
            "auto_advance": False,
            "pending_invoice_items_behavior": "exclude",
            "description": f"Faktura {invoice.number}, {invoice.period.label}",
            "metadata": {
                "robotkontor_invoice": str(invoice.number),
                "cvr": invoice.organisation.cvr,
            },
        },
        {"idempotency_key": _key("invoice", invoice.number)},
    )
    return StripeInvoice.objects.create(
        invoice=invoice, stripe_customer_id=customer_id, stripe_invoice_id=draft.id
    )


def push_invoice(invoice: Invoice) -> StripeInvoice | None:
    """Push a closed invoice of a card-paying member to Stripe: the customer (by CVR), an
    invoice item per line (and VAT), then the invoice finalized. Safe to run again: what
    already exists in Stripe is reused. Returns None for an invoice that is not pushed."""
    invoice = Invoice.objects.select_related("organisation", "period").get(pk=invoice.pk)
    if (
        invoice.kind != Invoice.Kind.INVOICE
        or not invoice.is_final
        or not pays_by_card(invoice.organisation)
    ):
        return None
    api = client()
    with _push_lock(invoice.organisation.cvr):
        return _push(api, invoice)


@contextmanager
def _push_lock(cvr: str):
    """One push at a time per CVR (so per Stripe customer), across workers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [PUSH_LOCK_NAMESPACE, int(cvr)])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [PUSH_LOCK_NAMESPACE, int(cvr)])


def _push(api: stripe.StripeClient, invoice: Invoice) -> StripeInvoice:
    record = _draft(api, invoice)
    if record.status == StripeInvoice.Status.FINALIZED:
        return record
    present = {
        item.to_dict()["metadata"].get("robotkontor_line")
        for item in api.v1.invoice_items.list(
            {"invoice": record.stripe_invoice_id, "limit": 100}
        ).auto_paging_iter()
    }
    for key, fields in _items(invoice):
        if fields["metadata"]["robotkontor_line"] in present:
            continue
        api.v1.invoice_items.create(
            {
                **fields,
                "customer": record.stripe_customer_id,
                "invoice": record.stripe_invoice_id,
                "currency": CURRENCY,
            },
            {"idempotency_key": key},
        )
    api.v1.invoices.finalize_invoice(
        record.stripe_invoice_id,
        {"auto_advance": True},
        {"idempotency_key": _key("invoice", invoice.number, "finalize")},
    )
    record.status = StripeInvoice.Status.FINALIZED
    record.finalized_at = timezone.now()
    record.save(update_fields=["status", "finalized_at"])
    logger.info("Invoice %s pushed to Stripe as %s", invoice.number, record.stripe_invoice_id)
    return record


def push_period(period: Period) -> list[StripeInvoice]:
    """Push every card-paying member's invoice of a closed period that is not in Stripe yet."""
    if not period.is_final:
        raise ValidationError(
            _("The period %(period)s is not closed yet.") % {"period": period.label}
        )
    return [
        record
        for record in (push_invoice(invoice) for invoice in invoices_to_push(period))
        if record is not None
    ]


# --- Webhook events -----------------------------------------------------------------------


def _mark_paid(stripe_invoice: dict) -> None:
    record = StripeInvoice.objects.filter(stripe_invoice_id=stripe_invoice["id"]).first()
    if record is None:
        logger.info("Stripe invoice %s is not one of ours; ignored", stripe_invoice["id"])
        return
    paid = (stripe_invoice.get("status_transitions") or {}).get("paid_at")
    paid_at = datetime.fromtimestamp(paid, tz=UTC) if paid else timezone.now()
    Invoice.objects.filter(pk=record.invoice_id, paid_at__isnull=True).update(paid_at=paid_at)


HANDLERS = {"invoice.paid": _mark_paid}


@transaction.atomic
def handle_event(event: stripe.Event) -> bool:
    """Apply a verified webhook event once; False if it was handled before (a replay).

    The event id is stored in the same transaction as its effect.
    """
    _event, created = StripeEvent.objects.get_or_create(
        event_id=event.id, defaults={"type": event.type}
    )
    if not created:
        return False
    handler = HANDLERS.get(event.type)
    if handler is not None:
        handler(event.to_dict()["data"]["object"])
    return True
