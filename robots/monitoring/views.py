from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.views import flash_errors, flash_form_errors
from robots.monitoring import selectors, services
from robots.monitoring.forms import AlertBulkForm, AlertFilterForm
from tenants.views import SiteView

ALERTS_SHOWN = 200


def with_links(alerts, site) -> list:
    """Each alert with the path of its subject on this site (empty when not shown here)."""
    alerts = list(alerts)
    for alert in alerts:
        alert.link = alert.subject_path(on_office=site.is_office)
    return alerts


class AlertListView(SiteView):
    """The alert centre: every alert on the office console, a member's own on its site."""

    def get(self, request):
        form = AlertFilterForm(request.GET, site=request.tenant)
        alerts = selectors.alerts_for(request.tenant)
        if form.is_valid():
            alerts = selectors.filter_alerts(alerts, **form.cleaned_data, user=request.user)
        may_handle = services.may_handle(request.user, request.tenant)
        return render(
            request,
            "monitoring/alert_list.html",
            {
                "form": form,
                "alerts": with_links(alerts[:ALERTS_SHOWN], request.tenant),
                "may_handle": may_handle,
                "bulk_form": bulk_form(request) if may_handle else None,
            },
        )


def bulk_form(request, data=None) -> AlertBulkForm:
    return AlertBulkForm(
        data,
        alerts=selectors.alerts_for(request.tenant),
        assignees=services.assignee_choices(request.tenant),
    )


class AlertBulkView(SiteView):
    """Acknowledge several alerts at once, or give them to someone (POST), then back to the
    alert centre as it was filtered."""

    def post(self, request):
        form = bulk_form(request, request.POST)
        back = redirect(f"{reverse('alerts')}?{request.GET.urlencode()}")
        if not form.is_valid():
            flash_form_errors(request, form)
            return back
        alerts = list(form.cleaned_data["alerts"])
        try:
            if form.cleaned_data["action"] == "acknowledge":
                count = services.acknowledge_many(
                    alerts=alerts, actor=request.user, site=request.tenant
                )
                done = _("%(count)s alerts are acknowledged.")
            else:
                count = services.assign(
                    alerts=alerts,
                    assignee=form.cleaned_data["assignee"],
                    actor=request.user,
                    site=request.tenant,
                )
                done = _("%(count)s alerts are assigned.")
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, done % {"count": count})
        return back


class AlertActionView(SiteView):
    """Acknowledge or resolve an alert (POST), then back to the alert centre."""

    action = ""

    def post(self, request, pk):
        alert = selectors.alert_for(request.tenant, pk)
        if self.action == "acknowledge":
            act, done = services.acknowledge, _("The alert is acknowledged.")
        else:
            act, done = services.resolve, _("The alert is resolved.")
        try:
            act(alert=alert, actor=request.user, site=request.tenant)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, done)
        return redirect("alerts")


class OperationsView(SiteView):
    """The operations dashboard: the whole office's, or one member's."""

    def get(self, request):
        site = request.tenant
        if site.is_office:
            context = selectors.office_dashboard(site)
            template = "monitoring/office_dashboard.html"
        else:
            context = selectors.member_dashboard(site)
            template = "monitoring/member_dashboard.html"
        context["alerts"] = with_links(context["alerts"], site)
        context["now"] = timezone.localtime()
        return render(request, template, context)
