from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from core import display
from core.exports import csv_bytes, danish_cell
from core.views import apply_errors, flash_errors
from robots import selectors, services
from robots.forms import DeploymentSettingsForm, JobFilterForm, RunnerForm, RunParametersForm
from robots.models import Job, Runner
from robots.runlogs import services as runlogs
from robots.runlogs.models import JobLogLine
from robots.services import jobs, runners
from tenants.permissions import Capability, can, deployment_run_capability
from tenants.views import SiteView

JOBS_PER_PAGE = 50
JOBS_EXPORTED = 100_000  # at most, newest first
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

    def page(self, request, deployment, form=None, status=200, run_form=None):
        may_edit = may_edit_deployments(request)
        if may_edit and form is None:
            form = DeploymentSettingsForm(instance=deployment)
        may_run = may_run_deployments(request)
        if may_run and run_form is None:
            run_form = RunParametersForm(
                deployment=deployment, parameters=parameters_of_run(request, deployment)
            )
        return render(
            request,
            "robots/deployment_detail.html",
            {
                "deployment": deployment,
                "jobs": selectors.jobs_for(request.tenant).filter(deployment=deployment)[
                    :DEPLOYMENT_JOBS_SHOWN
                ],
                "may_run": may_run,
                "may_edit": may_edit,
                "form": form,
                "run_form": run_form,
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


def parameters_of_run(request, deployment) -> dict | None:
    """The effective parameters of the run named by ``?job=`` (to run again with other
    parameters from a run's page), or None for the deployment's own."""
    job_id = request.GET.get("job", "")
    if not job_id.isdigit():
        return None
    job = selectors.jobs_for(request.tenant).filter(pk=job_id, deployment=deployment).first()
    return job.effective_parameters if job else None


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
    """ "Kør nu": a run by hand, with the deployment's parameters or (when the form of
    parameters is posted, ``with_parameters``) with those for this run only."""

    def post(self, request, pk):
        deployment = selectors.deployment_for(request.tenant, pk)
        if not may_run_deployments(request):
            messages.error(request, _("You may not start runs."))
            return redirect("deployments")
        parameters = None
        if request.POST.get("with_parameters"):
            form = RunParametersForm(request.POST, deployment=deployment)
            if not form.is_valid():
                return DeploymentDetailView().page(request, deployment, status=400, run_form=form)
            chosen = form.parameters()
            parameters = {
                name: value
                for name, value in chosen.items()
                if deployment.parameters.get(name) != value
            }
        try:
            job = jobs.enqueue(
                deployment=deployment,
                trigger=Job.Trigger.MANUAL,
                actor=request.user,
                parameters=parameters,
            )
        except ValidationError as error:
            if parameters is None:
                flash_errors(request, error)
                return redirect("deployments")
            form.apply_parameter_errors(error)
            return DeploymentDetailView().page(request, deployment, status=400, run_form=form)
        messages.success(request, _("The run is queued."))
        return redirect("job_detail", pk=job.pk)


def filtered_jobs(request) -> tuple[JobFilterForm, object]:
    form = JobFilterForm(request.GET, site=request.tenant)
    return form, selectors.filter_jobs(selectors.jobs_for(request.tenant), **form.filters())


class JobListView(SiteView):
    """Runs, newest first, filtered and paged; the same filters export as CSV."""

    def get(self, request):
        form, found = filtered_jobs(request)
        page = Paginator(found, JOBS_PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "robots/job_list.html",
            {"jobs": page.object_list, "page": page, "query": query.urlencode(), "form": form},
        )


class JobExportView(SiteView):
    """The filtered runs as CSV (Danish Excel: semicolons, decimal comma, BOM)."""

    def get(self, request):
        _form, found = filtered_jobs(request)
        office_site = request.tenant.is_office
        header = [
            _("Run"),
            _("Deployment"),
            *([_("Member")] if office_site else []),
            _("Trigger"),
            _("Status"),
            _("Queued"),
            _("Started"),
            _("Finished"),
            _("Duration (s)"),
            _("Runner"),
            _("Attempts"),
            _("Message"),
        ]
        rows = [header]
        for job in found[:JOBS_EXPORTED].iterator(chunk_size=2000):
            duration = job.duration_seconds
            rows.append(
                [
                    job.pk,
                    job.deployment.name,
                    *([job.organisation.name] if office_site else []),
                    job.get_trigger_display(),
                    job.get_status_display(),
                    job.queued_at,
                    job.started_at,
                    job.finished_at,
                    None if duration is None else round(duration),
                    job.runner.name if job.runner else "",
                    job.attempts,
                    display.stored_message(job.message),
                ]
            )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(
            csv_bytes(rows, format_cell=danish_cell), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="koersler-{stamp}.csv"'
        return response


class JobRetryView(SiteView):
    """Try a failed or cancelled run again (those who may start runs)."""

    def post(self, request, pk):
        job = selectors.job_for(request.tenant, pk)
        if not may_run_deployments(request):
            raise PermissionDenied(_("You may not start runs."))
        try:
            retried = jobs.retry(job=job, actor=request.user)
        except ValidationError as error:
            flash_errors(request, error)
            return redirect("job_detail", pk=pk)
        messages.success(
            request,
            _("Run #%(job)s is queued again as #%(new)s.") % {"job": job.pk, "new": retried.pk},
        )
        return redirect("job_detail", pk=retried.pk)


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
                "may_run": may_run_deployments(request),
                "may_retry": job.status in jobs.RETRYABLE,
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
