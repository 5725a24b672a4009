from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Installed for its management command, ``load_demo``."""

    name = "demo"
    verbose_name = _("Demo")
