from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from robots.monitoring.models import Alert


class AlertSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    subject = serializers.SerializerMethodField()
    message = serializers.CharField(source="text", read_only=True)
    acknowledged_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    resolved_by = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "organisation",
            "kind",
            "severity",
            "state",
            "subject",
            "message",
            "count",
            "first_seen",
            "last_seen",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": Alert.Subject.values},
                "id": {"type": "integer"},
                "label": {"type": "string"},
                "path": {"type": "string", "description": "Where this site shows it, or empty."},
            },
        }
    )
    def get_subject(self, alert: Alert) -> dict:
        request = self.context.get("request")
        on_office = request is not None and request.tenant.is_office
        return {
            "type": alert.subject_type,
            "id": alert.subject_id,
            "label": alert.subject_label,
            "path": alert.subject_path(on_office=on_office),
        }
