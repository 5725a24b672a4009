"""API of the member lifecycle (mounted at /api/v1/members/)."""

from core.routers import SimpleRouter
from members.data import api

router = SimpleRouter()
router.register("exports", api.ExportViewSet, basename="members-export")
router.register("erasure-receipts", api.ErasureReceiptViewSet, basename="members-erasure-receipt")
urlpatterns = router.urls
