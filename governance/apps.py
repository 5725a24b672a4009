from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    """The governance register: legal basis, review dates, systems and data protection of
    every deployment and live idea."""

    name = "governance"
    label = "governance"
    verbose_name = _("Governance")
