from rest_framework import serializers

from catalog.models import RobotVersion
from orders.models import Order, OrderComment
from orders.services import Action
from tenants import selectors as tenants_selectors
from tenants.models import User


class OrderSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    robot = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    version = serializers.CharField(source="robot_version.version", read_only=True)
    robot_version = serializers.PrimaryKeyRelatedField(
        queryset=RobotVersion.objects.filter(status=RobotVersion.Status.PRODUCTION),
        write_only=True,
        help_text="The id of a version in production (see the catalog's versions).",
    )
    process_owner = serializers.SlugRelatedField(
        slug_field="email",
        queryset=User.objects.none(),
        help_text="E-mail of a process owner or administrator of the organisation.",
    )
    ordered_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    deployment = serializers.PrimaryKeyRelatedField(read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tenant = getattr(self.context.get("request"), "tenant", None)
        if tenant is not None:
            # Only the site's own process owners and administrators can be named.
            self.fields["process_owner"].queryset = tenants_selectors.process_owner_choices(tenant)

    class Meta:
        model = Order
        fields = [
            "id",
            "organisation",
            "robot",
            "version",
            "robot_version",
            "parameters",
            "proposed_schedule",
            "process_owner",
            "ordered_by",
            "note",
            "status",
            "paused_from",
            "cancel_reason",
            "deployment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "paused_from",
            "cancel_reason",
            "created_at",
            "updated_at",
        ]


class OrderActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[action.value for action in Action])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class OrderConfigureSerializer(serializers.Serializer):
    robot_version = serializers.PrimaryKeyRelatedField(
        queryset=RobotVersion.objects.filter(status=RobotVersion.Status.PRODUCTION)
    )
    parameters = serializers.JSONField()
    proposed_schedule = serializers.CharField(allow_blank=True, default="")


class OrderCommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = OrderComment
        fields = ["id", "author", "from_office", "text", "created_at"]
        read_only_fields = ["from_office", "created_at"]
