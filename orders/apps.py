from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    """Orders: a member orders a catalog robot; activation creates its deployment."""

    name = "orders"
    label = "orders"
    verbose_name = _("Orders")
