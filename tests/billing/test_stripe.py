"""Stripe Invoicing for card-paying members, against a local fake of Stripe's HTTP API.

Nothing of ours or of stripe-python is mocked: requests go over HTTP to
``tests.fakes.stripe_server`` and webhooks arrive signed as Stripe signs them.
"""

import io
import json
import time
from datetime import UTC, datetime

import pytest
import stripe
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from billing.models import FinancingModel, Invoice, StripeCustomer, StripeEvent, StripeInvoice
from billing.services import stripe_sync
from config.celery import app as celery_app
from tenants.models import Organisation
from tests.billing.test_example_partnership import close, partnership  # noqa: F401
from tests.fakes.stripe_server import FakeStripe

SECRET = "whsec_robotkontor_test"
WEBHOOK = "/billing/stripe/webhook/"


@pytest.fixture
def fake_stripe(settings):
    fake = FakeStripe().start()
    settings.STRIPE_API_KEY = "sk_test_robotkontor"
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    yield fake
    fake.stop()


@pytest.fixture
def eager_celery():
    conf = celery_app.conf
    before = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager = conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before


def closed_march(partnership):  # noqa: F811
    period, *invoices = close(FinancingModel.USAGE_PLUS_SPLIT, partnership)
    return period, invoices


def office_client() -> Client:
    return Client(HTTP_HOST=settings.BASE_DOMAIN)


def deliver(event: dict, *, secret: str = SECRET, timestamp: int | None = None):
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    return office_client().post(
        WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def stripe_items(fake: FakeStripe, invoice: Invoice) -> list[dict]:
    stripe_id = invoice.stripe.stripe_invoice_id
    return [item for item in fake.invoice_items.values() if item["invoice"] == stripe_id]


@pytest.mark.django_db
def test_close_pushes_card_paying_members_once_per_cvr(
    partnership,  # noqa: F811
    fake_stripe,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    aarhus, odense, bolig = partnership
    # Two members under one CVR share a Stripe customer; Odense pays by bank transfer.
    Organisation.objects.filter(pk=bolig.pk).update(cvr=aarhus.cvr)
    stripe_sync.set_card_payment(aarhus, enabled=True)
    stripe_sync.set_card_payment(bolig, enabled=True)
    stripe_sync.set_card_payment(odense, enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        _period, (in_aarhus, in_odense, in_bolig) = closed_march(partnership)

    assert len(fake_stripe.posts("/v1/customers")) == 1
    (customer,) = fake_stripe.customers.values()
    assert customer["metadata"] == {"cvr": aarhus.cvr}
    assert StripeCustomer.objects.get(cvr=aarhus.cvr).stripe_id == customer["id"]
    assert not StripeInvoice.objects.filter(invoice=in_odense).exists()
    assert len(fake_stripe.invoices) == 2
    for invoice in (in_aarhus, in_bolig):
        invoice.refresh_from_db()
        record = invoice.stripe
        assert record.status == StripeInvoice.Status.FINALIZED
        pushed = fake_stripe.invoices[record.stripe_invoice_id]
        assert pushed["customer"] == customer["id"]
        assert pushed["status"] == "open"
        assert pushed["currency"] == "dkk"
        assert pushed["collection_method"] == "send_invoice"
        assert pushed["metadata"]["robotkontor_invoice"] == str(invoice.number)
        assert pushed["total"] == invoice.total_ore
        assert sum(item["amount"] for item in stripe_items(fake_stripe, invoice)) == (
            invoice.total_ore
        )


@pytest.mark.django_db
def test_items_are_the_lines_and_vat_and_sum_to_the_total(partnership, fake_stripe):  # noqa: F811
    _aarhus, odense, _bolig = partnership
    stripe_sync.set_card_payment(odense, enabled=True)
    _period, (_in_aarhus, in_odense, _in_bolig) = closed_march(partnership)

    call_command("push_invoices_to_stripe", "2025-03", stdout=io.StringIO())

    in_odense.refresh_from_db()
    assert in_odense.vat_ore > 0
    items = stripe_items(fake_stripe, in_odense)
    by_line = {item["metadata"]["robotkontor_line"]: item["amount"] for item in items}
    expected = {str(line.pk): line.amount_ore for line in in_odense.lines.all()}
    expected["vat"] = in_odense.vat_ore
    assert by_line == expected
    assert sum(by_line.values()) == in_odense.total_ore
    assert all(item["currency"] == "dkk" for item in items)
    # Nothing else was card-paying; a second run pushes nothing again.
    assert len(fake_stripe.invoices) == 1
    call_command("push_invoices_to_stripe", "2025-03", stdout=io.StringIO())
    assert len(fake_stripe.posts("/v1/invoices")) == 1


@pytest.mark.django_db
def test_an_existing_stripe_customer_is_found_by_cvr(partnership, fake_stripe):  # noqa: F811
    aarhus, _odense, _bolig = partnership
    made_in_dashboard = fake_stripe.add_customer(name="Aarhus", metadata={"cvr": aarhus.cvr})
    stripe_sync.set_card_payment(aarhus, enabled=True)
    period, (in_aarhus, _in_odense, _in_bolig) = closed_march(partnership)

    (record,) = stripe_sync.push_period(period)

    assert fake_stripe.posts("/v1/customers") == []
    assert record.invoice == in_aarhus
    assert record.stripe_customer_id == made_in_dashboard["id"]
    searches = [r for r in fake_stripe.requests if r["path"] == "/v1/customers/search"]
    assert searches[0]["params"] == {"query": f"metadata['cvr']:'{aarhus.cvr}'"}


@pytest.mark.django_db
def test_a_retry_after_lost_responses_creates_nothing_twice(partnership, fake_stripe):  # noqa: F811
    _aarhus, odense, _bolig = partnership
    stripe_sync.set_card_payment(odense, enabled=True)
    _period, (_in_aarhus, in_odense, _in_bolig) = closed_march(partnership)

    # Stripe creates the customer and the draft, but the answers never arrive.
    fake_stripe.drop_responses("/v1/customers")
    with pytest.raises(stripe.APIConnectionError):
        stripe_sync.push_invoice(in_odense)
    fake_stripe.drop_responses("/v1/invoices")
    with pytest.raises(stripe.APIConnectionError):
        stripe_sync.push_invoice(in_odense)
    assert not StripeInvoice.objects.filter(invoice=in_odense).exists()
    # Then one invoice item is created but its answer is lost, and finalizing too.
    fake_stripe.drop_responses("/v1/invoiceitems")
    with pytest.raises(stripe.APIConnectionError):
        stripe_sync.push_invoice(in_odense)
    stripe_id = in_odense.stripe.stripe_invoice_id
    fake_stripe.drop_responses(f"/v1/invoices/{stripe_id}/finalize")
    with pytest.raises(stripe.APIConnectionError):
        stripe_sync.push_invoice(in_odense)

    record = stripe_sync.push_invoice(in_odense)

    assert record.status == StripeInvoice.Status.FINALIZED
    assert len(fake_stripe.customers) == 1
    assert len(fake_stripe.invoices) == 1
    assert fake_stripe.invoices[stripe_id]["status"] == "open"
    items = stripe_items(fake_stripe, in_odense)
    assert len(items) == in_odense.lines.count() + 1
    assert sum(item["amount"] for item in items) == in_odense.total_ore
    # The draft and the finalization were replayed by their idempotency keys.
    creates = fake_stripe.posts("/v1/invoices")
    assert len(creates) == 2
    assert creates[0]["idempotency_key"] == creates[1]["idempotency_key"]
    assert str(in_odense.number) in creates[0]["idempotency_key"]
    finalizes = fake_stripe.posts(f"/v1/invoices/{stripe_id}/finalize")
    assert len(finalizes) == 2
    assert len({request["idempotency_key"] for request in finalizes}) == 1
    # Pushing again once it is in Stripe asks Stripe nothing.
    before = len(fake_stripe.requests)
    stripe_sync.push_invoice(in_odense)
    assert len(fake_stripe.requests) == before


@pytest.mark.django_db
def test_a_member_without_card_payment_is_not_pushed(
    partnership,  # noqa: F811
    fake_stripe,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    aarhus, _odense, _bolig = partnership
    stripe_sync.set_card_payment(aarhus, enabled=False)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        period, (in_aarhus, in_odense, _in_bolig) = closed_march(partnership)

    assert callbacks == []
    assert stripe_sync.push_invoice(in_aarhus) is None
    assert stripe_sync.push_invoice(in_odense) is None
    assert stripe_sync.push_period(period) == []
    assert fake_stripe.requests == []
    assert not StripeInvoice.objects.exists()


@pytest.fixture
def pushed(partnership, fake_stripe):  # noqa: F811
    _aarhus, odense, _bolig = partnership
    stripe_sync.set_card_payment(odense, enabled=True)
    _period, (_in_aarhus, in_odense, _in_bolig) = closed_march(partnership)
    record = stripe_sync.push_invoice(in_odense)
    return in_odense, record


@pytest.mark.django_db
def test_a_signed_invoice_paid_event_marks_the_invoice_paid(pushed, fake_stripe):
    invoice, record = pushed
    event = fake_stripe.pay_invoice(record.stripe_invoice_id)

    response = deliver(event)

    assert response.status_code == 200
    invoice.refresh_from_db()
    paid = event["data"]["object"]["status_transitions"]["paid_at"]
    assert invoice.paid_at == datetime.fromtimestamp(paid, tz=UTC)
    assert StripeEvent.objects.get().event_id == event["id"]


@pytest.mark.django_db
def test_a_replayed_event_changes_nothing(pushed, fake_stripe):
    invoice, record = pushed
    event = fake_stripe.pay_invoice(record.stripe_invoice_id)
    assert deliver(event).status_code == 200
    # Were the event applied again, it would set the payment date once more.
    Invoice.objects.filter(pk=invoice.pk).update(paid_at=None)

    assert deliver(event).status_code == 200

    invoice.refresh_from_db()
    assert invoice.paid_at is None
    assert StripeEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(pushed, fake_stripe):
    invoice, record = pushed
    event = fake_stripe.pay_invoice(record.stripe_invoice_id)

    assert deliver(event, secret="whsec_someone_else").status_code == 400
    assert deliver(event, timestamp=int(time.time()) - 3600).status_code == 400
    unsigned = office_client().post(
        WEBHOOK, data=json.dumps(event), content_type="application/json"
    )
    assert unsigned.status_code == 400

    invoice.refresh_from_db()
    assert invoice.paid_at is None
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_unknown_events_are_acknowledged_and_ignored(pushed, fake_stripe):
    invoice, record = pushed
    event = fake_stripe.pay_invoice(record.stripe_invoice_id)
    event["type"] = "customer.updated"

    assert deliver(event).status_code == 200

    invoice.refresh_from_db()
    assert invoice.paid_at is None


@pytest.mark.django_db
def test_the_webhook_is_off_without_a_secret(office, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = office_client().post(WEBHOOK, data="{}", content_type="application/json")
    assert response.status_code == 404
