import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance import selectors, services
from governance.models import GovernanceRecord
from governance.serializers import GovernanceRecordSerializer, ReviewedSerializer
from tenants.permissions import HasCapability


class GovernanceFilter(django_filters.FilterSet):
    due = django_filters.BooleanFilter(
        method="filter_due",
        label=f"Only records whose review is overdue or due within "
        f"{selectors.DUE_WITHIN_DAYS} days (true), or the others (false).",
    )
    organisation = django_filters.CharFilter(
        field_name="organisation__slug", label="The member's slug (office console)."
    )

    class Meta:
        model = GovernanceRecord
        fields = ["due", "organisation"]

    def filter_due(self, queryset, name, value):
        due = selectors.due(queryset)
        return due if value else queryset.exclude(pk__in=due.values("pk"))


class GovernanceRecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The governance register: a member sees its own processes, the office every member's.
    The member's process owners and administrators, and office operators, change them."""

    serializer_class = GovernanceRecordSerializer
    permission_classes = [HasCapability]
    queryset = GovernanceRecord.objects.none()  # for the schema; requests read the selector
    filterset_class = GovernanceFilter
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        return selectors.records_for(self.request.tenant)

    def _respond(self, record):
        record = selectors.record_for(self.request.tenant, record.pk)
        return Response(self.get_serializer(record).data)

    def partial_update(self, request, *args, **kwargs):
        """Change the process owner, legal basis, review date, systems, personal data,
        DPIA or notes; omitted fields stay."""
        record = self.get_object()
        serializer = self.get_serializer(record, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        record = services.update_record(
            record, request.user, site=request.tenant, **serializer.validated_data
        )
        return self._respond(record)

    @extend_schema(request=ReviewedSerializer, responses=GovernanceRecordSerializer)
    @action(detail=True, methods=["post"])
    def reviewed(self, request, pk=None):
        """The legal basis was reviewed today; set when it must be reviewed next."""
        record = self.get_object()
        serializer = ReviewedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.mark_reviewed(
            record,
            request.user,
            serializer.validated_data["next_review_due"],
            site=request.tenant,
        )
        return self._respond(record)
