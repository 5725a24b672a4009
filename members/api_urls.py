"""API of the member lifecycle (mounted at /api/v1/members/)."""

from core.routers import SimpleRouter
from members.data import api as data
from members.lifecycle import api as lifecycle

# Routes whose first segment is a fixed word (exports/, erasure-receipts/) go first: the
# members by slug at the root (/api/v1/members/<slug>/…) would take them otherwise.
data_router = SimpleRouter()
data_router.register("exports", data.ExportViewSet, basename="members-export")
data_router.register(
    "erasure-receipts", data.ErasureReceiptViewSet, basename="members-erasure-receipt"
)
lifecycle_router = SimpleRouter()
lifecycle_router.register("", lifecycle.MemberViewSet, basename="member")
urlpatterns = [*data_router.urls, *lifecycle_router.urls]
