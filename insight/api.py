"""The value and cost figures over the API: a member sees itself and the partnership's
totals; the office sees every member side by side (and one with ``?member=<slug>``)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from insight import selectors, services
from insight.serializers import (
    DeploymentEstimateSerializer,
    HourlyRateSerializer,
    InsightReportSerializer,
)
from tenants.permissions import Capability, HasCapability, can

EXPLANATION = (
    "Time saved = work items the robot completed × minutes saved per item (the deployment's "
    "estimate, else the catalog robot's; none: nothing). Value = hours saved × the member's "
    "value of a saved hour. FTE = hours saved ÷ (hours per FTE × months ÷ 12). Cost = the "
    "member's invoices less credit notes incl. VAT; months not closed are preliminary (the "
    "draft invoice). Payback = the month accumulated value first covered accumulated cost."
)


def report(site, query) -> dict:
    """Everything one answer holds, for a site (scoped) and the query's span."""
    try:
        span = selectors.span_from(query)
    except ValueError as error:
        raise ValidationError({"year": [str(error)]}) from error
    answer = {
        "span": {"first": span.first, "last": span.last, "label": span.label},
        "basis": {
            "hours_per_fte": settings.INSIGHT_HOURS_PER_FTE,
            "default_hourly_rate": settings.INSIGHT_HOURLY_RATE,
            "explanation": EXPLANATION,
        },
    }
    member = site
    if site.is_office:
        member = None
        if query.get("member"):
            member = selectors.member_by_slug(query["member"])
            if member is None:
                raise NotFound("No such member.")
    if member is not None:
        answer["member"] = selectors.member_insight(member, span)
    partnership = selectors.partnership_insight(span, with_members=site.is_office)
    if site.is_office:
        answer["members"] = partnership.rows
    answer["partnership"] = partnership
    answer["pipeline"] = selectors.pipeline(member or site, span)
    return answer


class InsightView(APIView):
    """Value against cost: per member, deployment, catalog robot and the partnership."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_BILLING

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, description="A calendar year."),
            OpenApiParameter("quarter", OpenApiTypes.INT, description="1–4, with year."),
            OpenApiParameter("member", OpenApiTypes.STR, description="A member (office only)."),
        ],
        responses=InsightReportSerializer,
    )
    def get(self, request):
        return Response(InsightReportSerializer(report(request.tenant, request.query_params)).data)


MEMBER_PARAMETER = OpenApiParameter(
    "member", OpenApiTypes.STR, description="The member's slug (office only; required there)."
)


def _require(request, *capabilities: Capability) -> None:
    """The caller holds one of ``capabilities`` for the request's organisation."""
    if not any(can(request.user, request.tenant, capability) for capability in capabilities):
        raise PermissionDenied(_("You do not have permission to do this in this organisation."))


def _named_member(request, *, required: bool):
    """``?member=<slug>`` on the office (``None`` when optional and absent); elsewhere the
    member's own site, whatever the query says."""
    site = request.tenant
    if not site.is_office:
        return site
    slug = request.query_params.get("member", "")
    if not slug:
        if required:
            raise ValidationError({"member": [_("Name the member: ?member=<slug>.")]})
        return None
    member = selectors.member_by_slug(slug)
    if member is None:
        raise NotFound(_("No member with this slug."))
    return member


class HourlyRateView(APIView):
    """What a saved hour is worth to a member. A member's administrators change their own;
    on the office, its administrators change a member's (``?member=<slug>``)."""

    def _change_capability(self):
        return (
            Capability.MANAGE_ORGANISATIONS
            if self.request.tenant.is_office
            else Capability.MANAGE_KEY_FIGURES
        )

    @extend_schema(parameters=[MEMBER_PARAMETER], responses=HourlyRateSerializer)
    def get(self, request):
        _require(request, Capability.VIEW_BILLING, self._change_capability())
        member = _named_member(request, required=True)
        return Response(HourlyRateSerializer(selectors.hourly_rate_setting(member)).data)

    @extend_schema(
        parameters=[MEMBER_PARAMETER],
        request=HourlyRateSerializer,
        responses=HourlyRateSerializer,
    )
    def put(self, request):
        _require(request, self._change_capability())
        member = _named_member(request, required=True)
        serializer = HourlyRateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_hourly_rate(
            member, serializer.validated_data["hourly_rate"], actor=request.user
        )
        return Response(HourlyRateSerializer(selectors.hourly_rate_setting(member)).data)


class DeploymentEstimateView(APIView):
    """A deployment's own minutes saved per work item. The office's developers set it (on
    the office, optionally ``?member=<slug>`` to make sure the deployment is that member's);
    a member's process owners and administrators read their own deployments'."""

    def _deployment(self, request, pk):
        deployment = selectors.deployment_of(
            request.tenant, pk, _named_member(request, required=False)
        )
        if deployment is None:
            raise NotFound(_("No deployment with this id in this organisation."))
        return deployment

    def _require_change(self, request):
        if not request.tenant.is_office:
            raise PermissionDenied(_("Only the office sets a deployment's minutes saved."))
        _require(request, Capability.MANAGE_CATALOG)

    @extend_schema(parameters=[MEMBER_PARAMETER], responses=DeploymentEstimateSerializer)
    def get(self, request, pk):
        _require(request, Capability.VIEW_BILLING, Capability.MANAGE_CATALOG)
        deployment = self._deployment(request, pk)
        return Response(DeploymentEstimateSerializer(selectors.estimate_of(deployment)).data)

    @extend_schema(
        parameters=[MEMBER_PARAMETER],
        request=DeploymentEstimateSerializer,
        responses=DeploymentEstimateSerializer,
    )
    def put(self, request, pk):
        self._require_change(request)
        deployment = self._deployment(request, pk)
        serializer = DeploymentEstimateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_minutes_saved(
            deployment, serializer.validated_data["minutes_saved_per_item"], actor=request.user
        )
        return Response(DeploymentEstimateSerializer(selectors.estimate_of(deployment)).data)

    @extend_schema(parameters=[MEMBER_PARAMETER], responses=DeploymentEstimateSerializer)
    def delete(self, request, pk):
        self._require_change(request)
        deployment = self._deployment(request, pk)
        services.set_minutes_saved(deployment, None, actor=request.user)
        return Response(DeploymentEstimateSerializer(selectors.estimate_of(deployment)).data)
