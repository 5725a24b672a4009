from django.urls import path

from core.routers import SimpleRouter
from robots.workitems import api

router = SimpleRouter()
router.register("work-queues", api.WorkQueueViewSet, basename="work-queue")
router.register("work-items", api.WorkItemViewSet, basename="work-item")
urlpatterns = [
    *router.urls,
    path(
        "work-queues/<int:queue_pk>/items/",
        api.WorkQueueItemsView.as_view(),
        name="work-queue-items",
    ),
]
