from rest_framework import serializers

from core.validators import validate_sane_date
from robots import selectors as robot_selectors
from robots.models import Deployment
from robots.workitems.models import (
    PRIORITY_MAX,
    PRIORITY_MIN,
    WorkItem,
    WorkItemFile,
    WorkItemOutput,
    WorkQueue,
)
from robots.workitems.services import QUEUE_FIELDS
from tenants import selectors as tenant_selectors
from tenants.models import User


class WorkQueueSerializer(serializers.ModelSerializer):
    deployment = serializers.PrimaryKeyRelatedField(
        queryset=Deployment.objects.none(),
        allow_null=True,
        required=False,
        help_text="The id of one of the organisation's deployments; its robot works the queue.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tenant = getattr(self.context.get("request"), "tenant", None)
        if tenant is not None:
            self.fields["deployment"].queryset = robot_selectors.deployments_for(tenant)

    class Meta:
        model = WorkQueue
        fields = ["id", *QUEUE_FIELDS, "created_at"]
        read_only_fields = ["created_at"]


# What a robot sees of a work item (the robots' API); the staff see more.
ROBOT_ITEM_FIELDS = (
    "id",
    "queue",
    "reference",
    "payload",
    "status",
    "priority",
    "deadline",
    "attempts",
    "outcome",
    "reason",
    "output",
)


class WorkItemSerializer(serializers.ModelSerializer):
    assigned_to = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = WorkItem
        fields = [
            *ROBOT_ITEM_FIELDS,
            "defer_until",
            "assigned_to",
            "created_at",
            "started_at",
            "finished_at",
            "payload_erased_at",
        ]
        read_only_fields = fields


class WorkItemCreateSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    payload = serializers.JSONField(required=False, help_text="A JSON object.")
    priority = serializers.IntegerField(
        required=False, default=0, min_value=PRIORITY_MIN, max_value=PRIORITY_MAX
    )
    deadline = serializers.DateTimeField(
        required=False, allow_null=True, validators=[validate_sane_date]
    )
    defer_until = serializers.DateTimeField(
        required=False, allow_null=True, validators=[validate_sane_date]
    )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ResubmitSerializer(NoteSerializer):
    payload = serializers.JSONField(
        required=False, help_text="A corrected payload; without it the item keeps its own."
    )


class AssignSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(
        slug_field="email",
        queryset=User.objects.none(),
        allow_null=True,
        help_text="E-mail of a person of the organisation; null unassigns.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tenant = getattr(self.context.get("request"), "tenant", None)
        if tenant is not None:
            self.fields["user"].queryset = User.objects.filter(
                pk__in=tenant_selectors.memberships_of(tenant).values("user_id")
            )


class WorkItemFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where to download the file.")

    class Meta:
        model = WorkItemFile
        fields = ["id", "name", "size", "created_at", "url"]
        read_only_fields = fields

    def get_url(self, attached) -> str:
        item_id = attached.item_id or attached.output.parent_id
        return self.context["request"].build_absolute_uri(
            f"/api/v1/work-items/{item_id}/files/{attached.pk}/"
        )


class WorkItemOutputSerializer(serializers.ModelSerializer):
    files = WorkItemFileSerializer(many=True, read_only=True)

    class Meta:
        model = WorkItemOutput
        fields = ["id", "payload", "created_at", "files"]
        read_only_fields = fields


class WorkItemDetailSerializer(WorkItemSerializer):
    """One item, with the files robots attached to it and the output items they made from it
    (each with its files)."""

    files = WorkItemFileSerializer(many=True, read_only=True)
    outputs = WorkItemOutputSerializer(many=True, read_only=True)

    class Meta(WorkItemSerializer.Meta):
        fields = [*WorkItemSerializer.Meta.fields, "files", "outputs"]
        read_only_fields = fields


# The most items one bulk request names (as many as one request may add).
MAX_ITEMS_PER_REQUEST = 1000


class ItemIdsSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=MAX_ITEMS_PER_REQUEST,
        help_text="The ids of the queue's items to act on: all of them, or none.",
    )


class ItemCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many items were changed.")
