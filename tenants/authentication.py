from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from tenants.models import ApiToken, hash_secret


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Bearer rk_…`` (or ``Token rk_…``). A token acts only on the site of the
    organisation it was issued for; anywhere else it is refused."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in (b"bearer", b"token"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        return self.authenticate_key(request, key)

    def authenticate_key(self, request, key):
        token = (
            ApiToken.objects.select_related("user", "organisation")
            .filter(key_hash=hash_secret(key))
            .first()
        )
        now = timezone.now()
        if (
            token is None
            or token.revoked_at is not None
            or (token.expires_at and token.expires_at <= now)
            or not token.user.is_active
        ):
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if token.organisation_id != request.tenant.pk:
            raise exceptions.AuthenticationFailed(_("This token belongs to another organisation."))
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
