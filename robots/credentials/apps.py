from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    """The credentials vault: member data, in each member's own schema."""

    name = "robots.credentials"
    label = "credentials"
    verbose_name = _("Credentials")

    def ready(self):
        from robots.credentials import checks  # noqa: F401  (registers the system check)
