"""The robot-facing work-item API (job token), and its Robocorp Control Room twin.

Control Room's client builds its URLs without trailing slashes; they are kept as it calls
them.
"""

from django.urls import path

from robots.workitems import robocorp_api, robot_api

RUN = (
    "robocorp/process-v1/workspaces/<str:workspace>/processes/<str:process>/"
    "runs/<str:run>/robotRuns/<str:step>/"
)
ITEM = "robocorp/json-v1/workspaces/<str:workspace>/workitems/<str:item_id>/"

urlpatterns = [
    path("robot/work-queues/", robot_api.RobotQueueListView.as_view(), name="robot-queues"),
    path(
        "robot/work-queues/<int:pk>/reserve/",
        robot_api.RobotReserveView.as_view(),
        name="robot-reserve",
    ),
    path(
        "robot/work-items/<int:pk>/release/",
        robot_api.RobotReleaseView.as_view(),
        name="robot-release",
    ),
    path(
        RUN + "reserve-next-work-item",
        robocorp_api.ReserveNextView.as_view(),
        name="robocorp-reserve",
    ),
    path(RUN + "release-work-item", robocorp_api.ReleaseView.as_view(), name="robocorp-release"),
    path(
        "robocorp/process-v1/workspaces/<str:workspace>/processes/<str:process>/"
        "work-items/<str:item_id>/output",
        robocorp_api.CreateOutputView.as_view(),
        name="robocorp-output",
    ),
    path(ITEM + "data", robocorp_api.PayloadView.as_view(), name="robocorp-payload"),
    path(ITEM + "files", robocorp_api.FileListView.as_view(), name="robocorp-files"),
    path(ITEM + "files/<int:file_id>", robocorp_api.FileView.as_view(), name="robocorp-file"),
    path(
        "robocorp/files/upload",
        robocorp_api.FileUploadView.as_view(),
        name="robocorp-file-upload",
    ),
    path(
        "robocorp/files/download",
        robocorp_api.FileDownloadView.as_view(),
        name="robocorp-file-download",
    ),
]
