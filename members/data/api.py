"""The API of a member's data: its exports (requested, followed and downloaded by the
member's administrators on its site, by the office's administrators for any member; another
organisation's export is a 404) and, for the office, the signed erasure receipts."""

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from core.tasks import enqueue_in_schema
from members.data import selectors, tasks
from members.data import services as data
from members.data.serializers import (
    ErasureReceiptSerializer,
    ExportRequestSerializer,
    ExportSerializer,
)
from members.models import ErasureReceipt, MemberExport
from tenants.permissions import Capability, HasCapability


class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ExportSerializer
    permission_classes = [HasCapability]
    required_capability = Capability.EXPORT_MEMBER_DATA
    queryset = MemberExport.objects.none()  # for the schema; requests read the selector
    filterset_fields = ["status"]

    def get_queryset(self):
        return selectors.exports_for(self.request.tenant)

    @extend_schema(request=ExportRequestSerializer, responses={202: ExportSerializer})
    def create(self, request):
        """Request an export (built in the background; follow ``status`` and ``progress``).
        On a member's site it is the member's own; on the office's site name the member."""
        given = ExportRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        organisation = given.validated_data.get("organisation")
        if not request.tenant.is_office:
            organisation = request.tenant
        elif organisation is None:
            raise ValidationError({"organisation": [_("Name the member whose data to export.")]})
        export = data.request_export(
            actor=request.user, site=request.tenant, organisation=organisation
        )
        enqueue_in_schema(tasks.build_export, settings.PUBLIC_SCHEMA_NAME, export.pk)
        return Response(ExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such export, or not ready yet."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The archive (zip); its SHA-256 is the export's ``sha256``. Audited."""
        export = self.get_object()
        if export.status != MemberExport.Status.READY or not data.export_path(export).is_file():
            raise NotFound(_("The export is not ready yet."))
        data.record_download(export=export, actor=request.user)
        response = FileResponse(
            data.export_path(export).open("rb"),
            as_attachment=True,
            filename=export.download_name,
            content_type="application/zip",
        )
        response["Digest"] = f"sha-256={export.sha256}"
        return response


class ErasureReceiptViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The office's erasure receipts: what was erased, when, by whom, the counts and the
    export's checksum, signed (``signature``: HMAC-SHA256 of the canonical JSON payload)."""

    serializer_class = ErasureReceiptSerializer
    permission_classes = [HasCapability]
    required_capability = Capability.ERASE_MEMBER_DATA
    queryset = ErasureReceipt.objects.none()

    def get_queryset(self):
        if not self.request.tenant.is_office:
            return ErasureReceipt.objects.none()
        return ErasureReceipt.objects.select_related("organisation")
