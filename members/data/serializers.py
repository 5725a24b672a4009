from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from members.models import ErasureReceipt, MemberExport
from tenants.models import Organisation

EXPORT_FIELDS = (
    "status",
    "progress",
    "progress_message",
    "size",
    "sha256",
    "created_at",
    "finished_at",
    "first_downloaded_at",
    "downloads",
)


class ExportSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = MemberExport
        fields = ["id", "organisation", *EXPORT_FIELDS, "download_url"]
        read_only_fields = fields

    def get_download_url(self, export) -> str | None:
        if export.status != MemberExport.Status.READY:
            return None
        return f"/api/v1/members/exports/{export.pk}/download/"


class ExportRequestSerializer(serializers.Serializer):
    organisation = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Organisation.objects.exclude(kind=Organisation.Kind.OFFICE),
        required=False,
        help_text=_("On the office's site: the member to export (its short name)."),
    )


class ErasureReceiptSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ErasureReceipt
        fields = [
            "id",
            "organisation",
            "status",
            "started_at",
            "finished_at",
            "payload",
            "signature",
        ]
        read_only_fields = fields
