from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from robots.models import Deployment, Job
from robots.runlogs import services as runlogs
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


class JobArtifactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, artifact) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(
            f"/api/v1/jobs/{artifact.job_id}/artifacts/{artifact.pk}/"
        )


class JobDetailSerializer(serializers.ModelSerializer):
    """A run, with the artifacts its robot left (each downloadable at ``url``)."""

    artifacts = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "deployment",
            "status",
            "trigger",
            "parameters",
            "queued_at",
            "started_at",
            "finished_at",
            "exit_code",
            "message",
            "artifacts",
        ]
        read_only_fields = fields

    @extend_schema_field(JobArtifactSerializer(many=True))
    def get_artifacts(self, job) -> list[dict]:
        return JobArtifactSerializer(
            runlogs.artifacts_of(job), many=True, context=self.context
        ).data
