"""Stripe's webhook on the office host: POST /billing/stripe/webhook/.

Only events signed with ``STRIPE_WEBHOOK_SECRET`` (and recent: stripe-python's tolerance of
five minutes) are accepted; each event is applied once however often it is delivered.
"""

import logging

import stripe
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.services import stripe_sync

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise Http404(_("Stripe is not enabled."))
    try:
        event = stripe.Webhook.construct_event(
            request.body,
            request.headers.get("Stripe-Signature"),
            settings.STRIPE_WEBHOOK_SECRET,
        )
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError):
        logger.warning("Refused a Stripe webhook without a valid signature")
        return HttpResponseBadRequest(_("Invalid Stripe signature."))
    if stripe_sync.handle_event(event):
        logger.info("Stripe event %s (%s) handled", event.id, event.type)
    return HttpResponse(status=200)
