from django.urls import path

from robots import runner_api

urlpatterns = [
    path("runner/claim/", runner_api.ClaimView.as_view(), name="runner-claim"),
    path("runner/heartbeat/", runner_api.HeartbeatView.as_view(), name="runner-heartbeat"),
    path("runner/jobs/<int:pk>/logs/", runner_api.LogView.as_view(), name="runner-logs"),
    path(
        "runner/jobs/<int:pk>/complete/", runner_api.CompleteView.as_view(), name="runner-complete"
    ),
    path(
        "runner/jobs/<int:pk>/artifacts/",
        runner_api.ArtifactView.as_view(),
        name="runner-artifacts",
    ),
    path("runner/jobs/<int:pk>/package/", runner_api.PackageView.as_view(), name="runner-package"),
]
