from django.urls import path

from core.routers import SimpleRouter
from intake import api

router = SimpleRouter()
router.register("ideas", api.IdeaViewSet, basename="idea")
urlpatterns = [
    *router.urls,
    path("scoring-weights/", api.ScoringWeightsView.as_view(), name="scoring-weights"),
]
