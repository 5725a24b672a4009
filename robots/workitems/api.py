"""The member API for work queues and items (user tokens, on the member's own site).

The robot-facing reserve/release endpoints (job token, on the office host) are in
``robot_api`` and ``robocorp_api``; they call ``services.reserve_next`` and
``services.release``.
"""

from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from robots.workitems import selectors, services
from robots.workitems.models import WorkItem, WorkQueue
from robots.workitems.serializers import (
    MAX_ITEMS_PER_REQUEST,
    AssignSerializer,
    ItemCountSerializer,
    ItemIdsSerializer,
    NoteSerializer,
    ResubmitSerializer,
    WorkItemCreateSerializer,
    WorkItemDetailSerializer,
    WorkItemSerializer,
    WorkQueueSerializer,
)
from tenants.api import Capable
from tenants.permissions import Capability


class MemberSite(Capable):
    """Work items live in members' schemas: on the office host there are none."""

    def has_permission(self, request, view):
        if request.tenant.is_office:
            raise exceptions.NotFound()
        return super().has_permission(request, view)


class WorkQueueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The organisation's work queues. Process owners and administrators configure them.

    Several of a queue's items at once, as on the queue's page: everyone on the site tries
    items a robot handed back again (``retry-items``); process owners and administrators
    delete items no robot is working on (``delete-items``). Either all the named items are
    changed or none: a refusal names the items in the way.
    """

    serializer_class = WorkQueueSerializer
    permission_classes = [MemberSite]
    queryset = WorkQueue.objects.none()  # for the schema; requests read the selector

    def get_queryset(self):
        return selectors.queues()

    def get_permissions(self):
        writes = {"create", "update", "partial_update", "delete_items"}
        self.required_capability = (
            Capability.MANAGE_QUEUES if self.action in writes else Capability.VIEW_SITE
        )
        return super().get_permissions()

    def perform_create(self, serializer):
        serializer.instance = services.create_queue(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_queue(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def _chosen(self, request) -> list[WorkItem]:
        serializer = ItemIdsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return [WorkItem(pk=pk) for pk in serializer.validated_data["items"]]

    @extend_schema(request=ItemIdsSerializer, responses=ItemCountSerializer)
    @action(detail=True, methods=["post"], url_path="retry-items")
    def retry_items(self, request, pk=None):
        """Back to the robots, as new with attempts from zero: only items a robot handed
        back (business or application exception, abandoned)."""
        work_queue = self.get_object()
        count = services.retry_items(work_queue, self._chosen(request), actor=request.user)
        return Response({"count": count})

    @extend_schema(request=ItemIdsSerializer, responses=ItemCountSerializer)
    @action(detail=True, methods=["post"], url_path="delete-items")
    def delete_items(self, request, pk=None):
        """Delete items with their history, outputs and files; not items a robot is working
        on. Audited on the queue with the items' references. This cannot be undone."""
        work_queue = self.get_object()
        count = services.delete_items(work_queue, self._chosen(request), actor=request.user)
        return Response({"count": count})


# One item (an object) or a list of them. Written out: drf-spectacular cannot put a list
# serializer in a oneOf.
_NEW_ITEM = {
    "type": "object",
    "properties": {
        "reference": {"type": "string", "maxLength": 200},
        "payload": {"type": "object", "additionalProperties": {}},
        "priority": {"type": "integer", "default": 0, "minimum": 0, "maximum": 1000},
        "deadline": {"type": "string", "format": "date-time", "nullable": True},
        "defer_until": {"type": "string", "format": "date-time", "nullable": True},
    },
}
ONE_OR_MANY = {
    "oneOf": [_NEW_ITEM, {"type": "array", "items": _NEW_ITEM, "maxItems": 1000}],
}
_ITEM = {"$ref": "#/components/schemas/WorkItem"}
CREATED_ONE_OR_MANY = {"oneOf": [_ITEM, {"type": "array", "items": _ITEM}]}


class WorkQueueItemsView(generics.ListCreateAPIView):
    """A queue's items, newest first; filter on status and reference.

    POST one item (an object) or up to 1,000 (a list). A list is added whole or not at
    all: the errors name each refused item by its index.
    """

    serializer_class = WorkItemSerializer
    permission_classes = [MemberSite]
    queryset = WorkItem.objects.none()  # for the schema
    filterset_fields = ["status", "reference"]

    def get_queue(self) -> WorkQueue:
        return selectors.queue(self.kwargs["queue_pk"])

    def get_queryset(self):
        return selectors.items().filter(queue=self.get_queue())

    @extend_schema(request={"application/json": ONE_OR_MANY}, responses={201: CREATED_ONE_OR_MANY})
    def post(self, request, *args, **kwargs):
        work_queue = self.get_queue()
        many = isinstance(request.data, list)
        if many and len(request.data) > MAX_ITEMS_PER_REQUEST:
            raise exceptions.ValidationError(
                _("At most %(count)s items per request.") % {"count": MAX_ITEMS_PER_REQUEST}
            )
        serializer = WorkItemCreateSerializer(data=request.data, many=many)
        serializer.is_valid(raise_exception=True)
        if not many:
            item = services.add_item(work_queue, actor=request.user, **serializer.validated_data)
            return Response(WorkItemSerializer(item).data, status=status.HTTP_201_CREATED)
        rows = [
            services.ItemRow(line=index, **{"payload": {}, **data})
            for index, data in enumerate(serializer.validated_data)
        ]
        with transaction.atomic():
            result = services.add_items_bulk(work_queue, rows, actor=request.user)
            if result.errors:
                raise exceptions.ValidationError(
                    {str(error["line"]): [error["message"]] for error in result.errors}
                )
        return Response(
            WorkItemSerializer(result.items, many=True).data, status=status.HTTP_201_CREATED
        )


class WorkItemViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One work item, and what the member's staff do with a handed-back item."""

    serializer_class = WorkItemDetailSerializer
    permission_classes = [MemberSite]
    queryset = WorkItem.objects.none()  # for the schema

    def get_queryset(self):
        return selectors.items().prefetch_related("files", "outputs__files")

    def _respond(self, item):
        return Response(
            WorkItemDetailSerializer(
                self.get_queryset().get(pk=item.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"files/(?P<file_pk>\d+)")
    def file(self, request, pk=None, file_pk=None):
        """Download a file a robot attached to the item or to one of its output items."""
        attached = selectors.file_of_item(self.get_object(), file_pk)
        return FileResponse(attached.file.open("rb"), as_attachment=True, filename=attached.name)

    @extend_schema(request=NoteSerializer, responses=WorkItemDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """The case was handled by hand."""
        item = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.resolve([item], actor=request.user, **serializer.validated_data)
        return self._respond(item)

    @extend_schema(request=NoteSerializer, responses=WorkItemDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Nothing more is to be done with the case."""
        item = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.close([item], actor=request.user, **serializer.validated_data)
        return self._respond(item)

    @extend_schema(request=ResubmitSerializer, responses=WorkItemDetailSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """Back to the robot, optionally with a corrected payload."""
        item = self.get_object()
        serializer = ResubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.resubmit(item, actor=request.user, **serializer.validated_data)
        return self._respond(item)

    @extend_schema(request=AssignSerializer, responses=WorkItemDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give the item to a person of the organisation (null unassigns)."""
        item = self.get_object()
        serializer = AssignSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.assign([item], serializer.validated_data["user"], actor=request.user)
        return self._respond(item)
