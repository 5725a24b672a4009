"""The billing API. The office's finance staff manage periods, rate cards and cost pools;
a member reads its own invoices and what it has used so far this month (another member's
invoice is a 404)."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from billing import selectors, services, tasks
from billing.invoicing import compute_invoices
from billing.models import CostPool, Invoice, Period, RateCard, UsageEntry
from billing.serializers import (
    CostPoolSerializer,
    CostPoolUpdateSerializer,
    CreditNoteRequestSerializer,
    InvoiceSerializer,
    PeriodSerializer,
    PreviewSerializer,
    RateCardEndSerializer,
    RateCardSerializer,
    RateCardUpdateSerializer,
    UsageEntrySerializer,
)
from core.tasks import enqueue_in_schema
from tenants.permissions import Capability, HasCapability, can


class FinanceWrites(BasePermission):
    """Reading takes the view's capability; changing anything takes finance on the office."""

    message = "Only the office's finance staff may change billing."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return request.tenant.is_office and can(
            request.user, request.tenant, Capability.MANAGE_BILLING
        )


def _office_only(site, queryset):
    return queryset if site.is_office else queryset.none()


class PeriodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Billing periods (office only): preview recomputes the draft invoices, close starts
    the close in the background (progress on the period; closing twice changes nothing)."""

    serializer_class = PeriodSerializer
    permission_classes = [HasCapability, FinanceWrites]
    required_capability = Capability.VIEW_BILLING
    queryset = Period.objects.none()
    filterset_fields = ["status"]

    def get_queryset(self):
        return _office_only(self.request.tenant, Period.objects.all())

    @extend_schema(request=None, responses=PreviewSerializer)
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        """Recompute the draft invoices; what changed per member since the last preview."""
        result = services.preview_period(self.get_object())
        changes = {str(pk): change for pk, change in result["changes"].items()}
        return Response(PreviewSerializer({"changes": changes}).data)

    @extend_schema(request=None, responses={202: PeriodSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Start closing the period; refused (400) with what is missing if a pool cannot
        be split."""
        period = self.get_object()
        if not period.is_final:
            compute_invoices(period)
            services.set_progress(period, 1, "")
            enqueue_in_schema(tasks.close_period, settings.PUBLIC_SCHEMA_NAME, period.pk)
            period.refresh_from_db()
        return Response(PeriodSerializer(period).data, status=status.HTTP_202_ACCEPTED)


class RateCardViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Rate cards (prices by date, with prices per catalog robot and graduated robot-minute
    tiers). Finance creates them (an overlap is refused), changes a card's prices until a
    month billed with it is closed, and ends an open-ended one so that a new card can
    follow it."""

    serializer_class = RateCardSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_classes = [HasCapability, FinanceWrites]
    required_capability = Capability.VIEW_BILLING
    queryset = RateCard.objects.none()

    def get_queryset(self):
        return selectors.rate_cards()

    def get_serializer_class(self):
        if self.action == "partial_update":
            return RateCardUpdateSerializer
        return RateCardSerializer

    def perform_create(self, serializer):
        serializer.instance = services.create_rate_card(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_rate_card(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=RateCardEndSerializer, responses=RateCardSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End an open-ended card on ``valid_to`` (inclusive); refused (400) for a card that
        already ends, before it begins, or before the end of a month closed with it."""
        serializer = RateCardEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        card = services.end_rate_card(
            self.get_object(), actor=request.user, **serializer.validated_data
        )
        return Response(RateCardSerializer(card).data)


class CostPoolViewSet(viewsets.ModelViewSet):
    """Cost pools of the periods (office only); changed only while the period is open."""

    serializer_class = CostPoolSerializer
    permission_classes = [HasCapability, FinanceWrites]
    required_capability = Capability.VIEW_BILLING
    queryset = CostPool.objects.none()
    filterset_fields = ["period"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        if self.action == "partial_update":
            return CostPoolUpdateSerializer
        return CostPoolSerializer

    def get_queryset(self):
        pools = CostPool.objects.prefetch_related("limit_to_members")
        return _office_only(self.request.tenant, pools)

    def perform_create(self, serializer):
        serializer.instance = services.create_cost_pool(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_cost_pool(
            serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_cost_pool(instance)


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invoices and credit notes with their lines: a member its own, the office all. The
    office's finance staff credit a closed invoice."""

    serializer_class = InvoiceSerializer
    permission_classes = [HasCapability, FinanceWrites]
    required_capability = Capability.VIEW_BILLING
    queryset = Invoice.objects.none()
    filterset_fields = ["kind"]

    def get_queryset(self):
        return selectors.invoices_for(self.request.tenant)

    @extend_schema(request=CreditNoteRequestSerializer, responses={201: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def credit(self, request, pk=None):
        """Issue a numbered credit note for a closed invoice, all of it or some lines, with
        the reason; the corrected amount (``rebill_ore``, before VAT) is billed in the next
        open month. Refused (400, nothing saved) for a draft or a credit note, an empty
        reason, lines of another invoice or lines already credited."""
        serializer = CreditNoteRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note, _adjustment = services.credit_invoice(
            self.get_object(), actor=request.user, **serializer.validated_data
        )
        return Response(
            InvoiceSerializer(selectors.invoices_for(request.tenant).get(pk=note.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class UsageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """What is booked so far this month: a member's own usage, or everyone's for the office.
    Robot runtime and work items are priced when the month is invoiced."""

    serializer_class = UsageEntrySerializer
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_BILLING
    queryset = UsageEntry.objects.none()
    filterset_fields = ["kind"]

    def get_queryset(self):
        return selectors.usage_for(self.request.tenant)
