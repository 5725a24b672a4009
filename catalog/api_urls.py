"""Catalog endpoints, mounted under /api/v1/."""

from catalog import api
from core.routers import SimpleRouter

router = SimpleRouter()
router.register("catalog/robots", api.RobotViewSet, basename="catalog-robot")
router.register(
    r"catalog/robots/(?P<robot_slug>[a-z0-9-]+)/versions",
    api.RobotVersionViewSet,
    basename="catalog-robot-version",
)

urlpatterns = router.urls
