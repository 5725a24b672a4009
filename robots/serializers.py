from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from robots.models import Deployment, Job
from robots.services import EDITABLE_FIELDS


class DeploymentSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    robot = serializers.CharField(source="robot_version.robot.slug", read_only=True)
    version = serializers.CharField(source="robot_version.version", read_only=True)
    process_owner = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = Deployment
        fields = [
            "id",
            "organisation",
            "name",
            "robot",
            "version",
            "parameters",
            "process_owner",
            "status",
            *EDITABLE_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DeploymentSettingsSerializer(serializers.ModelSerializer):
    """What PATCH may change: the schedule and limits (validated as on the page)."""

    class Meta:
        model = Deployment
        fields = list(EDITABLE_FIELDS)


class RunSerializer(serializers.Serializer):
    parameters = serializers.JSONField(
        required=False,
        help_text=_("Parameters for this run only, over the deployment's own."),
    )

    def validate_parameters(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("The parameters must be a JSON object."))
        return value


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "deployment", "status", "trigger", "parameters", "queued_at"]
        read_only_fields = fields
