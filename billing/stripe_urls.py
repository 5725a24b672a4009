from django.urls import path

from billing.stripe_webhook import stripe_webhook

urlpatterns = [path("webhook/", stripe_webhook, name="stripe_webhook")]
