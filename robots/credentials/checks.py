from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from robots.credentials import crypto


@checks.register(checks.Tags.security)
def credential_keys_are_valid(app_configs, **kwargs):
    try:
        crypto.fernet()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="credentials.E001")]
    return []
