from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkItemsConfig(AppConfig):
    """Work queues and their items: member data, in each member's own schema."""

    name = "robots.workitems"
    label = "workitems"
    verbose_name = _("Work queues")
