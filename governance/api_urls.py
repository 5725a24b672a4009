from core.routers import SimpleRouter
from governance import api

router = SimpleRouter()
router.register("governance", api.GovernanceRecordViewSet, basename="governance-record")
urlpatterns = router.urls
