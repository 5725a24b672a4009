import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """People join by invitation only, never by open sign-up."""

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        """allauth's rate limits count per the same client address as the lockout."""
        return client_ip(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on is configured per organisation: a SocialApp whose settings name the
    organisation's slug (``{"organisation": "aarhus"}``) is offered only on that site, and
    only to people who already exist (no sign-up through SSO)."""

    def is_open_for_signup(self, request, sociallogin):
        return False

    def list_apps(self, request, provider=None, client_id=None):
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        tenant = getattr(request, "tenant", None) if request else None
        if tenant is None:
            return apps
        return [app for app in apps if (app.settings or {}).get("organisation") == tenant.slug]


def axes_username(request, credentials) -> str | None:
    """django-axes: allauth authenticates with ``email=``; the login form posts ``login``."""
    credentials = credentials or {}
    username = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if username is None and request is not None and request.method == "POST":
        username = request.POST.get("login")
    return username.strip().lower() if username else None


def client_ip(request) -> str:
    """The address of the person making the request, the one place that decides it.

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies (production: the TLS-terminating proxy),
    each proxy appends the address it received the request from to ``X-Forwarded-For``, so
    the client's address is the ``TRUSTED_PROXY_COUNT``-th entry from the right; whatever a
    client wrote further left is its own claim and ignored. With no trusted proxy the
    header is ignored altogether and the TCP peer (``REMOTE_ADDR``) is the client. Used by
    the login lockout (django-axes) and allauth's rate limits."""
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count and _is_address(forwarded[-count]):
            return str(ipaddress.ip_address(forwarded[-count]))
    # No usable address (a Unix socket without a proxy): one shared bucket, never none.
    return remote if _is_address(remote) else "0.0.0.0"  # noqa: S104


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
