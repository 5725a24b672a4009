"""The value and cost dashboard: a member sees itself and the partnership's totals; the
office every member side by side (and one member with ``?member=<slug>``)."""

import io
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from insight import reports, selectors, services
from robots.models import Deployment
from tenants.permissions import Capability, can
from tenants.views import SiteView

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kroner(ore: int) -> float:
    return ore / 100


def chart_data(insight: selectors.Insight) -> dict:
    """The figures the charts draw (the page's tables hold the same numbers)."""
    months = insight.monthly
    return {
        "labels": [month.label for month in months],
        "value": [_kroner(m.figures.value_ore) for m in months],
        "cost": [_kroner(m.figures.cost_ore) for m in months],
        "net": [_kroner(m.figures.net_ore) for m in months],
        "runs": [m.figures.runs for m in months],
        "success": [
            None if m.figures.success_rate is None else float(m.figures.success_rate)
            for m in months
        ],
        "manual": [
            None if m.figures.manual_share is None else float(m.figures.manual_share)
            for m in months
        ],
        "hours": [float(m.figures.hours_saved) for m in months],
        "names": {
            "value": _("Value"),
            "cost": _("Cost"),
            "net": _("Net benefit"),
            "runs": _("Runs"),
            "success": _("Success rate (%)"),
            "manual": _("Manual handling (%)"),
            "hours": _("Hours saved"),
        },
    }


def span_or_404(request) -> selectors.Span:
    try:
        return selectors.span_from(request.GET)
    except ValueError as error:
        raise Http404(str(error)) from error


def chosen_member(request):
    """The member a page is about: the member's own site, or ``?member=`` on the office."""
    site = request.tenant
    if not site.is_office:
        return site
    slug = request.GET.get("member")
    if not slug:
        return None
    member = selectors.member_by_slug(slug)
    if member is None:
        raise Http404
    return member


class DashboardView(SiteView):
    capability = Capability.VIEW_BILLING

    def get(self, request):
        site = request.tenant
        span = span_or_404(request)
        member = chosen_member(request)
        partnership = selectors.partnership_insight(
            span, with_members=site.is_office and member is None
        )
        insight = selectors.member_insight(member, span) if member else None
        shown = insight or partnership
        deployment = None
        if insight and request.GET.get("deployment"):
            try:
                deployment = selectors.deployment_insight(insight, int(request.GET["deployment"]))
            except ValueError:
                deployment = None
            if deployment is None:
                raise Http404
            shown = deployment
        robot = None
        if request.GET.get("robot"):
            try:
                robot = selectors.robot_insight(span, int(request.GET["robot"]))
            except ValueError:
                robot = None
            if robot is None:
                raise Http404
            shown = robot
        context = {
            "robot": robot,
            "span": span,
            "member": member,
            "deployment": deployment.rows[0] if deployment else None,
            "insight": insight,
            "partnership": partnership,
            "shown": shown,
            "chart": chart_data(shown),
            "pipeline": selectors.pipeline(member or site, span),
            "hours_per_fte": settings.INSIGHT_HOURS_PER_FTE,
            "default_hourly_rate": settings.INSIGHT_HOURLY_RATE,
            "query": request.GET.urlencode(),
            "year": request.GET.get("year", ""),
            "quarter": request.GET.get("quarter", ""),
        }
        return render(request, "insight/dashboard.html", context)


class ReportView(SiteView):
    """The board report as PDF or XLSX: a member's (its own site, or ``?member=`` on the
    office) or the partnership's (the office without a member)."""

    capability = Capability.VIEW_BILLING

    def get(self, request, suffix):
        span = span_or_404(request)
        report = reports.build(request.tenant, chosen_member(request), span)
        if suffix == "pdf":
            content, content_type = reports.pdf(report), "application/pdf"
        else:
            content, content_type = reports.xlsx(report), XLSX
        return FileResponse(
            io.BytesIO(content),
            as_attachment=True,
            filename=reports.filename(report, suffix),
            content_type=content_type,
        )


def danish_decimal(text: str) -> Decimal:
    """1.234,5 or 1234.5 → Decimal; raises InvalidOperation on anything else."""
    text = text.strip()
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation(text)
    return value


def _back(request):
    """The dashboard again, on the member's page when the office changed a member."""
    query = request.POST.get("next_query", "")
    url = reverse("insight:dashboard")
    return redirect(f"{url}?{query}" if query else url)


class HourlyRateView(SiteView):
    """A member's administrators set what a saved hour is worth to it; on the office, its
    administrators set it for a member (``member``)."""

    def post(self, request):
        site = request.tenant
        capability = (
            Capability.MANAGE_ORGANISATIONS if site.is_office else (Capability.MANAGE_KEY_FIGURES)
        )
        if not can(request.user, site, capability):
            raise PermissionDenied
        member = site
        if site.is_office:
            member = selectors.member_by_slug(request.POST.get("member", ""))
            if member is None:
                raise Http404
        try:
            rate = danish_decimal(request.POST.get("hourly_rate", ""))
            services.set_hourly_rate(member, rate, actor=request.user)
        except (InvalidOperation, ValidationError):
            messages.error(request, _("Give the value of an hour in kroner, e.g. 450,00."))
        else:
            messages.success(request, _("The value of a saved hour is changed."))
        return _back(request)


class EstimateView(SiteView):
    """The office sets a deployment's own minutes saved per work item (empty: the catalog's)."""

    office_only = True
    capability = Capability.MANAGE_CATALOG

    def post(self, request, pk):
        deployment = get_object_or_404(Deployment, pk=pk)
        text = request.POST.get("minutes", "").strip()
        try:
            services.set_minutes_saved(
                deployment, danish_decimal(text) if text else None, actor=request.user
            )
        except (InvalidOperation, ValidationError):
            messages.error(request, _("Give the minutes saved per work item, e.g. 4,5."))
        else:
            messages.success(
                request,
                _("The estimate is saved; the figures take it at the next refresh."),
            )
        return _back(request)
