from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import MEMBER_KINDS, Robot, RobotVersion
from catalog.services import ROBOT_FIELDS, VERSION_HISTORY_FIELDS
from tenants.models import OFFICE_ROLES, User


def _office_staff():
    return User.objects.filter(
        is_active=True,
        memberships__organisation__kind="office",
        memberships__role__in=OFFICE_ROLES,
    ).distinct()


class RobotSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("In the request's language."))
    summary = serializers.CharField(read_only=True, help_text=_("In the request's language."))
    description = serializers.CharField(read_only=True, help_text=_("In the request's language."))
    systems = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, allow_empty=True
    )
    credential_types = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, allow_empty=True
    )
    member_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=[(k.value, k.label) for k in MEMBER_KINDS]),
        required=False,
        allow_empty=True,
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=_office_staff(), allow_null=True, required=False
    )
    process_design_document = serializers.FileField(
        write_only=True, required=False, allow_empty_file=False
    )
    process_design_document_url = serializers.SerializerMethodField()
    in_production = serializers.BooleanField(read_only=True)
    current_version = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("The latest version in production.")
    )

    class Meta:
        model = Robot
        fields = [
            "id",
            *ROBOT_FIELDS,
            "name",
            "summary",
            "description",
            "process_design_document_url",
            "in_production",
            "current_version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # The catalog service validates the robot in full, uniqueness of the slug included.
        extra_kwargs = {"slug": {"validators": []}}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_process_design_document_url(self, robot) -> str | None:
        if not robot.process_design_document:
            return None
        path = reverse("catalog:document", args=[robot.slug])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def validate_slug(self, value):
        if self.instance is not None and value != self.instance.slug:
            raise serializers.ValidationError(_("A robot's slug cannot change."))
        return value


class RobotVersionSerializer(serializers.ModelSerializer):
    archive = serializers.FileField(
        write_only=True,
        required=False,
        allow_empty_file=False,
        help_text=_("The package as an archive; give its SHA-256 in archive_sha256."),
    )
    archive_sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        required=False,
        allow_blank=True,
        help_text=_("The archive's SHA-256; the upload is refused unless it matches."),
    )
    package_reference = serializers.CharField(read_only=True)

    class Meta:
        model = RobotVersion
        fields = [
            "id",
            "version",
            "status",
            "git_repository",
            "git_commit",
            "archive",
            "archive_sha256",
            "package_reference",
            "changelog",
            *VERSION_HISTORY_FIELDS,
        ]
        read_only_fields = ["id", "status", *VERSION_HISTORY_FIELDS]
        # Uniqueness per robot is checked by the catalog service (full_clean).
        validators = []


@extend_schema_field(
    {"type": "string", "enum": RobotVersion.Status.values},
    component_name=None,
)
class TargetStatusField(serializers.ChoiceField):
    """A version status, documented inline so it does not duplicate the Status enum."""


class TransitionSerializer(serializers.Serializer):
    to = TargetStatusField(
        choices=RobotVersion.Status.choices, help_text=_("The status to move the version to.")
    )
