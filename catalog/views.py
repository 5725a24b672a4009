"""Catalog pages: members and office browse; office developers manage robots and versions."""

import os

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog import selectors, services
from catalog.forms import (
    AttachmentForm,
    AuditFilterForm,
    CatalogFilterForm,
    RobotForm,
    VersionForm,
)
from catalog.models import Robot, RobotVersion
from core import display
from core.exports import csv_bytes, danish_cell
from core.views import apply_errors
from tenants.permissions import Capability, can
from tenants.views import SiteView

# What the button that moves a version to each status says.
TRANSITION_LABELS = {
    RobotVersion.Status.DRAFT: gettext_lazy("Back to draft"),
    RobotVersion.Status.TEST: gettext_lazy("Send to test"),
    RobotVersion.Status.APPROVED: gettext_lazy("Test passed: approve"),
    RobotVersion.Status.PRODUCTION: gettext_lazy("Put into production"),
    RobotVersion.Status.RETIRED: gettext_lazy("Retire"),
}


def _robot_or_404(request, slug) -> Robot:
    try:
        return selectors.robot_for(request.tenant, slug)
    except Robot.DoesNotExist:
        raise Http404 from None


class RobotListView(SiteView):
    template_name = "catalog/robot_list.html"

    def get(self, request):
        form = CatalogFilterForm(request.GET or None, systems=selectors.known_systems())
        robots = selectors.search_robots(selectors.robots_for(request.tenant), **form.filters())
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "robots": robots,
                "filtered": bool(form.filters()),
                "sees_everything": selectors.sees_everything(request.tenant),
            },
        )


class RobotDetailView(SiteView):
    template_name = "catalog/robot_detail.html"

    def get(self, request, slug):
        robot = _robot_or_404(request, slug)
        manages = request.tenant.is_office and can(
            request.user, request.tenant, Capability.MANAGE_CATALOG
        )
        versions = list(selectors.versions_for(robot, request.tenant))
        if manages:
            for version in versions:
                version.next_statuses = [
                    (status, TRANSITION_LABELS[status])
                    for status in services.allowed_transitions(version, request.user)
                ]
        context = {
            "robot": robot,
            "versions": versions,
            "attachments": robot.attachments.all(),
            "manages": manages,
        }
        if manages:
            context["attachment_form"] = AttachmentForm()
            context["history"] = selectors.robot_history(robot)[:30]
        return render(request, self.template_name, context)


class RobotFormView(SiteView):
    office_only = True
    capability = Capability.MANAGE_CATALOG
    template_name = "catalog/robot_form.html"

    def page(self, request, form, robot=None, status=200):
        return render(request, self.template_name, {"form": form, "robot": robot}, status=status)

    def get(self, request, slug=None):
        robot = _robot_or_404(request, slug) if slug else None
        return self.page(request, RobotForm(instance=robot), robot)

    def post(self, request, slug=None):
        robot = _robot_or_404(request, slug) if slug else None
        form = RobotForm(request.POST, request.FILES, instance=robot)
        if form.is_valid():
            try:
                if robot is None:
                    robot = services.create_robot(actor=request.user, **form.changed_fields())
                    messages.success(request, _("The robot is added to the catalog."))
                else:
                    robot = services.update_robot(
                        robot=robot, actor=request.user, **form.changed_fields()
                    )
                    messages.success(request, _("The robot is saved."))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect("catalog:robot_detail", slug=robot.slug)
        return self.page(request, form, robot, status=400)


class AttachmentCreateView(SiteView):
    office_only = True
    capability = Capability.MANAGE_CATALOG

    def post(self, request, slug):
        robot = _robot_or_404(request, slug)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.add_attachment(robot=robot, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The attachment is added."))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect("catalog:robot_detail", slug=slug)


class VersionCreateView(SiteView):
    office_only = True
    capability = Capability.MANAGE_CATALOG
    template_name = "catalog/version_form.html"

    def get(self, request, slug):
        robot = _robot_or_404(request, slug)
        return render(request, self.template_name, {"robot": robot, "form": VersionForm()})

    def post(self, request, slug):
        robot = _robot_or_404(request, slug)
        form = VersionForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                version = services.create_version(
                    robot=robot, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("Version %(version)s is created.") % {"version": version.version}
                )
                return redirect("catalog:robot_detail", slug=slug)
        return render(request, self.template_name, {"robot": robot, "form": form}, status=400)


class VersionTransitionView(SiteView):
    office_only = True
    capability = Capability.MANAGE_CATALOG

    def post(self, request, slug, pk):
        robot = _robot_or_404(request, slug)
        version = get_object_or_404(robot.versions, pk=pk)
        try:
            version = services.transition_version(version, request.POST.get("to", ""), request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Version %(version)s is now %(status)s.")
                % {"version": version.version, "status": version.get_status_display()},
            )
        return redirect("catalog:robot_detail", slug=slug)


def _download(field_file):
    if not field_file:
        raise Http404
    return FileResponse(
        field_file.open("rb"), as_attachment=True, filename=os.path.basename(field_file.name)
    )


class DocumentDownloadView(SiteView):
    """Documentation is served through the permission check, never from a public URL."""

    def get(self, request, slug, pk=None):
        robot = _robot_or_404(request, slug)
        if pk is None:
            return _download(robot.process_design_document)
        return _download(get_object_or_404(robot.attachments, pk=pk).file)


class ArchiveDownloadView(SiteView):
    office_only = True
    capability = Capability.OPERATE_ROBOTS

    def get(self, request, slug, pk):
        robot = _robot_or_404(request, slug)
        return _download(get_object_or_404(robot.versions, pk=pk).archive)


AUDIT_AREAS = [
    ("catalog.", gettext_lazy("Catalog")),
    ("orders.", gettext_lazy("Orders")),
    ("robots.", gettext_lazy("Deployments")),
    ("intake.", gettext_lazy("Ideas")),
    ("governance.", gettext_lazy("Governance")),
    ("credentials.", gettext_lazy("Credentials")),
]


class AuditTrailView(SiteView):
    """Who changed what and when: the office sees everything, a member what concerns it;
    filtered by area, period, who and what, a page at a time, or every match as CSV."""

    page_size = 50

    def get(self, request):
        form = AuditFilterForm(
            request.GET or None, areas=AUDIT_AREAS, office=request.tenant.is_office
        )
        events = selectors.audit_trail_for(request.tenant, **form.filters())
        if request.GET.get("format") == "csv":
            response = HttpResponse(
                csv_bytes(audit_rows(events), format_cell=danish_cell),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = 'attachment; filename="revisionsspor.csv"'
            return response
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("format", None)
        page = Paginator(events, self.page_size).get_page(request.GET.get("page"))
        return render(
            request,
            "catalog/audit_trail.html",
            {
                "form": form,
                "page": page,
                "events": page.object_list,
                "query": query.urlencode(),
                "filtered": bool(form.filters()),
            },
        )


def audit_rows(events):
    """The audit trail as a spreadsheet reads it: a row an event, in the reader's language."""
    yield [_("Time"), _("Who"), _("Member"), _("Kind"), _("What"), _("Action"), _("Changes")]
    for event in events.iterator(chunk_size=2000):
        changes = display.audit_changes(event.changes, event.target_type.model_class())
        yield [
            event.at,
            str(event.actor or ""),
            event.organisation.name if event.organisation else "",
            str(event.target_type.name),
            event.target_repr,
            display.audit_action(event.action),
            "; ".join(f"{name}: {shown}" if name else shown for name, shown in changes),
        ]
