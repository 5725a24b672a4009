from tenants import permissions


def site(request):
    """What every page needs to draw its navigation: the organisation and the user's role."""
    tenant = getattr(request, "tenant", None)
    membership = permissions.membership(getattr(request, "user", None), tenant)
    return {
        "site_organisation": tenant,
        "is_office_site": bool(tenant and tenant.is_office),
        "membership": membership,
        "capabilities": {
            capability.value: permissions.can(request.user, tenant, capability)
            for capability in permissions.Capability
        }
        if membership
        else {},
    }
