from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RunLogsConfig(AppConfig):
    """Job log lines: robot output is the member's data, so it lives in the member's schema."""

    name = "robots.runlogs"
    label = "runlogs"
    verbose_name = _("Run logs")
