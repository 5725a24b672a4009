from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """Alerts about failed and missed runs, silent runners, queues past their SLA, items
    whose deadline is at risk and credentials about to expire (public schema)."""

    name = "robots.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self):
        from core.tasks import row_failed
        from robots.monitoring.receivers import alert_row_failed

        row_failed.connect(alert_row_failed, dispatch_uid="monitoring.alert_row_failed")
