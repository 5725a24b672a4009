"""API of the member lifecycle (mounted at /api/v1/members/)."""

from core.routers import SimpleRouter
from members.lifecycle import api as lifecycle

router = SimpleRouter()
router.register("", lifecycle.MemberViewSet, basename="member")
urlpatterns = router.urls
