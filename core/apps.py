from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Installed so that ``core.models`` (the audit trail) is loaded with the other models."""

    name = "core"
    verbose_name = _("Core")
