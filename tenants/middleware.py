from django.conf import settings
from django.core.cache import cache
from django_tenants.middleware.main import TenantMainMiddleware


def tenant_cache_key(hostname: str) -> str:
    return f"tenant-host:{hostname}"


class CachedTenantMiddleware(TenantMainMiddleware):
    """Routes by host like django-tenants does, but caches the host → organisation lookup.

    Saving or deleting an organisation or domain drops the cached entries (tenants.signals).
    """

    def get_tenant(self, domain_model, hostname):
        key = tenant_cache_key(hostname)
        tenant = cache.get(key)
        if tenant is None:
            tenant = super().get_tenant(domain_model, hostname)
            cache.set(key, tenant, settings.TENANT_LOOKUP_CACHE_SECONDS)
        return tenant
