from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Alerts about failed and missed runs, silent runners, queues past their SLA, items
    whose deadline is at risk and credentials about to expire (public schema)."""

    name = "robots.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")
