from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """People join by invitation only, never by open sign-up."""

    def is_open_for_signup(self, request):
        return False


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
