"""API of the member lifecycle (mounted at /api/v1/members/)."""

from core.routers import SimpleRouter
from members.lifecycle import api as lifecycle

# Members by slug at the root (/api/v1/members/<slug>/…): routes whose first segment is a
# fixed word go before these, or <slug>/ would take them.
lifecycle_router = SimpleRouter()
lifecycle_router.register("", lifecycle.MemberViewSet, basename="member")
urlpatterns = [*lifecycle_router.urls]
