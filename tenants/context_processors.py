from django.core.cache import cache

from tenants import navigation, permissions, services

# The office's contact details in every page's footer, cached: they change seldom, and a
# page must not pay a query for them (tenants.signals forgets them when the office is saved).
FOOTER_CACHE_KEY = "footer:office-contact"
FOOTER_FIELDS = ("name", "street", "postcode", "city", "contact_email", "contact_phone", "cvr")


def office_contact() -> dict:
    contact = cache.get(FOOTER_CACHE_KEY)
    if contact is None:
        office = services.office()
        contact = {name: getattr(office, name) for name in FOOTER_FIELDS}
        cache.set(FOOTER_CACHE_KEY, contact, 300)
    return contact


def site(request):
    """What every page needs to draw its navigation and footer: the organisation, the user's
    role, the main menu's sections and the office's contact details."""
    tenant = getattr(request, "tenant", None)
    membership = permissions.membership(getattr(request, "user", None), tenant)
    capabilities = (
        {
            capability.value: permissions.can(request.user, tenant, capability)
            for capability in permissions.Capability
        }
        if membership
        else {}
    )
    return {
        "site_organisation": tenant,
        "is_office_site": bool(tenant and tenant.is_office),
        "membership": membership,
        "capabilities": capabilities,
        "main_menu": navigation.main_menu(
            request.path,
            bool(tenant and tenant.is_office),
            lambda capability: capabilities.get(capability.value, False),
        )
        if membership
        else [],
        "office_contact": office_contact,
    }
