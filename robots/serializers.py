from rest_framework import serializers

from robots.models import Deployment


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
            "schedule",
            "process_owner",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
