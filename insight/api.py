"""The value and cost figures over the API: a member sees itself and the partnership's
totals; the office sees every member side by side (and one with ``?member=<slug>``)."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from insight import selectors
from insight.serializers import InsightReportSerializer
from tenants.permissions import Capability, HasCapability

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
