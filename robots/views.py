from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from core.views import apply_errors, flash_errors
from robots import selectors, services
from robots.forms import DeploymentSettingsForm, JobFilterForm, RunnerForm
from robots.models import Job, Runner
from robots.runlogs import services as runlogs
from robots.runlogs.models import JobLogLine
from robots.services import jobs, runners
from tenants.permissions import Capability, can, deployment_run_capability
from tenants.views import SiteView

JOBS_SHOWN = 200
DEPLOYMENT_JOBS_SHOWN = 20
LOG_LINES_SHOWN = 2000


class DeploymentListView(SiteView):
    """The member's deployments; on the office console every member's."""

    def get(self, request):
        return render(
            request,
            "robots/deployment_list.html",
            {
                "deployments": selectors.deployments_for(request.tenant),
                "may_run": may_run_deployments(request),
            },
        )


def may_run_deployments(request) -> bool:
    """Office operators, and the member's process owners and administrators, start, pause
    and resume runs."""
    return can(request.user, request.tenant, deployment_run_capability(request.tenant))


def may_edit_deployments(request) -> bool:
    """Schedules and limits are the office's: its runners run every member's robots."""
    return request.tenant.is_office and can(request.user, request.tenant, Capability.OPERATE_ROBOTS)


class DeploymentDetailView(SiteView):
    """A deployment's settings, its latest runs, pause/resume and (office) its limits."""

    def page(self, request, deployment, form=None, status=200):
        may_edit = may_edit_deployments(request)
        if may_edit and form is None:
            form = DeploymentSettingsForm(instance=deployment)
        return render(
            request,
            "robots/deployment_detail.html",
            {
                "deployment": deployment,
                "jobs": selectors.jobs_for(request.tenant).filter(deployment=deployment)[
                    :DEPLOYMENT_JOBS_SHOWN
                ],
                "may_run": may_run_deployments(request),
                "may_edit": may_edit,
                "form": form,
            },
            status=status,
        )

    def get(self, request, pk):
        return self.page(request, selectors.deployment_for(request.tenant, pk))

    def post(self, request, pk):
        deployment = selectors.deployment_for(request.tenant, pk)
        if not may_edit_deployments(request):
            raise PermissionDenied(_("You may not change deployments."))
        # The form gets its own copy: a refused form must not show on the page's settings.
        form = DeploymentSettingsForm(
            request.POST, instance=selectors.deployment_for(request.tenant, pk)
        )
        if form.is_valid():
            try:
                services.update_deployment(
                    deployment=deployment, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The deployment is saved."))
                return redirect("deployment_detail", pk=pk)
        return self.page(request, deployment, form, status=400)


class DeploymentStatusView(SiteView):
    """Pause or resume a deployment (``action`` is ``pause`` or ``resume``)."""

    def post(self, request, pk, action):
        deployment = selectors.deployment_for(request.tenant, pk)
        if not may_run_deployments(request):
            raise PermissionDenied(_("You may not pause or resume deployments."))
        change = services.pause_deployment if action == "pause" else services.resume_deployment
        try:
            change(deployment=deployment, actor=request.user)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(
                request,
                _("The deployment is paused.")
                if action == "pause"
                else _("The deployment is resumed."),
            )
        return redirect("deployment_detail", pk=pk)


class RunNowView(SiteView):
    def post(self, request, pk):
        deployment = selectors.deployment_for(request.tenant, pk)
        if not may_run_deployments(request):
            messages.error(request, _("You may not start runs."))
            return redirect("deployments")
        try:
            job = jobs.enqueue(
                deployment=deployment, trigger=Job.Trigger.MANUAL, actor=request.user
            )
        except ValidationError as error:
            flash_errors(request, error)
            return redirect("deployments")
        messages.success(request, _("The run is queued."))
        return redirect("job_detail", pk=job.pk)


class JobListView(SiteView):
    def get(self, request):
        form = JobFilterForm(request.GET)
        job_list = selectors.jobs_for(request.tenant)
        if form.is_valid() and form.cleaned_data["status"]:
            job_list = job_list.filter(status=form.cleaned_data["status"])
        return render(
            request,
            "robots/job_list.html",
            {"jobs": job_list[:JOBS_SHOWN], "form": form},
        )


def log_lines(job: Job, after: int = 0) -> list[JobLogLine]:
    """The job's log lines from the member's schema (where the robot's output lives)."""
    with schema_context(job.organisation.schema_name):
        return list(
            JobLogLine.objects.filter(job_id=job.pk, number__gt=after).order_by("number")[
                :LOG_LINES_SHOWN
            ]
        )


class JobDetailView(SiteView):
    def get(self, request, pk):
        job = selectors.job_for(request.tenant, pk)
        may_read_log = can(request.user, request.tenant, Capability.READ_RUN_LOGS)
        lines = log_lines(job) if may_read_log else []
        return render(
            request,
            "robots/job_detail.html",
            {
                "job": job,
                "may_read_log": may_read_log,
                "lines": lines,
                "artifacts": runlogs.artifacts_of(job),
                "last_number": lines[-1].number if lines else 0,
                "may_stop": request.tenant.is_office
                and can(request.user, request.tenant, Capability.OPERATE_ROBOTS),
            },
        )


class JobArtifactView(SiteView):
    """Download one of the job's artifacts (a file its robot wrote to its output folder)."""

    def get(self, request, pk, artifact_pk):
        job = selectors.job_for(request.tenant, pk)
        artifact = runlogs.artifact_of(job, artifact_pk)
        return FileResponse(
            artifact.file.open("rb"),
            as_attachment=True,
            filename=artifact.name.rsplit("/", 1)[-1],
        )


class JobLogView(SiteView):
    """The log lines after ``after``, for the job page to poll while the job runs (htmx)."""

    capability = Capability.READ_RUN_LOGS

    def get(self, request, pk):
        job = selectors.job_for(request.tenant, pk)
        after = int(request.GET["after"]) if request.GET.get("after", "").isdigit() else 0
        lines = log_lines(job, after)
        return render(
            request,
            "robots/job_log.html",
            {"job": job, "lines": lines, "last_number": lines[-1].number if lines else after},
        )


class JobStopView(SiteView):
    office_only = True
    capability = Capability.OPERATE_ROBOTS

    def post(self, request, pk):
        job = selectors.job_for(request.tenant, pk)
        try:
            jobs.request_stop(job=job, actor=request.user, kill=request.POST.get("kill") == "1")
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("The runner is told on its next heartbeat."))
        return redirect("job_detail", pk=pk)


class RunnerListView(SiteView):
    office_only = True
    capability = Capability.OPERATE_ROBOTS

    def page(self, request, form, token=None, status=200):
        return render(
            request,
            "robots/runner_list.html",
            {
                "runners": selectors.fleet(),
                "form": form,
                "token": token,
                "silent_before": timezone.now()
                - timedelta(minutes=settings.ROBOTS_RUNNER_SILENCE_MINUTES),
            },
            status=status,
        )

    def get(self, request):
        return self.page(request, RunnerForm())

    def post(self, request):
        form = RunnerForm(request.POST)
        if form.is_valid():
            try:
                _runner, token = runners.register_runner(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return self.page(request, RunnerForm(), token=token)
        return self.page(request, form, status=400)


class RunnerTokenView(SiteView):
    office_only = True
    capability = Capability.OPERATE_ROBOTS

    def post(self, request, pk):
        runner = get_object_or_404(Runner, pk=pk)
        if request.POST.get("revoke") == "1":
            runners.revoke_runner(runner=runner, actor=request.user)
            messages.success(request, _("The runner's token is revoked."))
            return redirect("runners")
        token = runners.rotate_token(runner=runner, actor=request.user)
        return RunnerListView().page(request, RunnerForm(), token=token)
