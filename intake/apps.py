from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """The intake pipeline: members propose automations, the office assesses them."""

    name = "intake"
    label = "intake"
    verbose_name = _("Intake pipeline")
