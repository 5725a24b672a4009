"""The runner protocol, on the office host: runners authenticate with
``Authorization: Runner rkr_…``, claim jobs, send heartbeats and log lines, and report the
end of each job. See docs/execution.md, "Runner protocol"."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context
from drf_spectacular.drainage import set_override
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import authentication, exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import package_reference
from core.jsondata import JsonOnly, JSONParser
from robots import selectors
from robots.models import Job, Runner
from robots.runlogs import services as runlogs
from robots.runlogs.models import JobLogLine
from robots.services import jobs
from robots.workitems import services as workitems

MAX_LOG_LINES = 1000
MAX_LOG_LINE_LENGTH = 10_000
UNKNOWN_RUNNER = _("Unknown or revoked runner token.")


class RunnerAuthentication(authentication.BaseAuthentication):
    keyword = "Runner"

    def authenticate(self, request):
        token = self.token(request)
        if token is None:
            return None
        runner = selectors.runner_for_token(token)
        if runner is None:
            raise exceptions.AuthenticationFailed(UNKNOWN_RUNNER)
        return RunnerPrincipal(runner), runner

    @staticmethod
    def token(request) -> str | None:
        """The token of an ``Authorization: Runner …`` header; None without one."""
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"runner":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid runner token header."))
        return header[1].decode(errors="replace")

    def authenticate_header(self, request):
        return self.keyword


class RunnerPrincipal:
    """Stands in for ``request.user`` when a runner calls."""

    is_authenticated = True
    is_active = True
    pk = None

    def __init__(self, runner: Runner):
        self.runner = runner

    def __str__(self):
        return f"runner {self.runner.name}"


class IsRunnerOnOfficeHost(BasePermission):
    """The runner endpoints answer on the office host only, to a runner's token (the views
    take no other authentication)."""

    def has_permission(self, request, view):
        if not getattr(request.tenant, "is_office", False):
            raise Http404
        return request.user.is_authenticated


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This job is no longer yours: its lease ran out and it moved on.")
    default_code = "conflict"


class JobEnded(Conflict):
    default_detail = _("This job has ended: its log takes no more lines.")


class RunnerView(APIView):
    authentication_classes = [RunnerAuthentication]
    permission_classes = [IsRunnerOnOfficeHost]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    content_negotiation_class = JsonOnly

    def running_job(self, request, pk) -> Job:
        job = (
            Job.objects.select_related("organisation", "deployment__robot_version__robot")
            .filter(pk=pk, runner=request.auth)
            .first()
        )
        if job is None:
            raise Http404
        return job


def robocorp_environment(
    request, job: dict, token: str, first_work_item: str = ""
) -> dict[str, str]:
    """The ``RC_*`` variables that point robocorp-workitems' Control Room adapter at our
    work queues (``robots/workitems/robocorp_api.py``). ``RC_WORKITEM_ID`` is the input
    reserved at the claim, as Control Room reserves a run's first input before it starts
    it (empty for a deployment without work queues)."""
    host = request.build_absolute_uri("/api/v1/robocorp")
    run = str(job["id"])
    return {
        "RC_API_WORKITEM_HOST": host,
        "RC_API_WORKITEM_TOKEN": token,
        "RC_API_PROCESS_HOST": host,
        "RC_API_PROCESS_TOKEN": token,
        "RC_WORKSPACE_ID": job["organisation"],
        "RC_PROCESS_ID": str(job["deployment"]["id"]),
        "RC_PROCESS_RUN_ID": run,
        "RC_ACTIVITY_RUN_ID": run,
        "RC_ROBOT_RUN_ID": run,
        "RC_WORKITEM_ID": first_work_item,
    }


def job_spec(
    request, claimed: jobs.Claim, secrets: dict[str, str], first_work_item: str = ""
) -> dict:
    job = claimed.details
    version = job["version"]
    package = {
        "version": version["version"],
        "reference": package_reference(
            version["git_repository"], version["git_commit"], version["archive_sha256"]
        ),
    }
    if version["git_commit"]:
        package |= {
            "git_repository": version["git_repository"],
            "git_commit": version["git_commit"],
        }
    else:
        package |= {
            "archive_url": request.build_absolute_uri(f"/api/v1/runner/jobs/{job['id']}/package/"),
            "archive_sha256": version["archive_sha256"],
        }
    return {
        "id": job["id"],
        "token": claimed.token,
        "organisation": job["organisation"],
        "deployment": {"id": job["deployment"]["id"], "name": job["deployment"]["name"]},
        "robot": job["robot"],
        "package": package,
        "parameters": job["parameters"],
        "timeout_seconds": job["deployment"]["timeout_minutes"] * 60,
        "lease_seconds": settings.ROBOTS_LEASE_SECONDS,
        "heartbeat_seconds": max(5, settings.ROBOTS_LEASE_SECONDS // 3),
        "work_items_url": request.build_absolute_uri("/api/v1/robot/"),
        "credentials": secrets,
        "robocorp": robocorp_environment(request, job, claimed.token, first_work_item),
        "artifacts": {
            "url": request.build_absolute_uri(f"/api/v1/runner/jobs/{job['id']}/artifacts/"),
            "max_bytes": settings.ROBOTS_ARTIFACT_MAX_BYTES,
            "max_files": settings.ROBOTS_ARTIFACTS_MAX_FILES,
            "max_total_bytes": settings.ROBOTS_ARTIFACTS_MAX_BYTES,
        },
    }


def claim_with_first_input(runner_token: str):
    """``jobs.claim_with_credentials``, and for a deployment with work queues its run's first
    input reserved as Control Room reserves it: ``(claim, secrets, first_work_item)``, or None.

    A run whose queues have nothing to do ends at once as succeeded, "no work" in its log
    (no robot is started, so no ``EmptyQueue`` and no alert), and the next job is claimed."""
    while claimed := jobs.claim_with_credentials(runner_token):
        claim, secrets = claimed
        if not claim.has_work_queues:
            return claim, secrets, ""
        job = claim.job
        with schema_context(job.organisation.schema_name):
            item = workitems.reserve_for_deployment(job.deployment_id, job_id=job.pk)
        if item is not None:
            jobs.note_first_work_item(job.pk, item.pk)
            return claim, secrets, str(item.pk)
        end_without_work(claim)
    return None


def end_without_work(claim: jobs.Claim) -> None:
    """End a claimed run whose queues had nothing to do: succeeded, and said so in its log
    (in the office's language, as the record of the run)."""
    job = claim.job
    with translation.override(settings.LANGUAGE_CODE):
        text = gettext(
            "No work: the deployment's work queues had nothing to do, so the robot was not started."
        )
    runlogs.append_lines(job, [{"number": 1, "stream": JobLogLine.Stream.SYSTEM, "text": text}])
    jobs.complete(job.runner, job.pk, succeeded=True, message=text, token=claim.token)


class ClaimingRunner:
    """``request.user`` of a claim until the claim has checked the token."""

    is_authenticated = True
    is_active = True
    pk = None


class RunnerTokenHeader(RunnerAuthentication):
    """Reads the runner token without looking it up: the claim checks it in the same
    database call that claims the job (``jobs.claim_with_token``)."""

    def authenticate(self, request):
        token = self.token(request)
        if token is None:
            return None
        if not token.startswith(Runner.TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed(UNKNOWN_RUNNER)
        return ClaimingRunner(), token


# The same ``runnerToken`` scheme in the OpenAPI document as the other runner endpoints'.
set_override(RunnerTokenHeader, "suppress_collision_warning", True)


class ClaimView(RunnerView):
    authentication_classes = [RunnerTokenHeader]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("ClaimedJob", {"id": serializers.IntegerField()}),
            204: None,
        },
    )
    def post(self, request):
        """Take the next job this runner may run (204 when there is none).

        The job's credentials come with it; a job whose credentials are refused (expired)
        fails at once with the reason, and the next job is offered. For a deployment with
        work queues the run's first input is reserved (``RC_WORKITEM_ID``); a run whose
        queues have nothing to do ends at once as succeeded, and the next job is offered."""
        try:
            claimed = claim_with_first_input(request.auth)
        except jobs.UnknownRunner:
            raise exceptions.AuthenticationFailed(UNKNOWN_RUNNER) from None
        if claimed is not None:
            return Response(job_spec(request, *claimed))
        return Response(status=status.HTTP_204_NO_CONTENT)


class HeartbeatSerializer(serializers.Serializer):
    jobs = serializers.ListField(child=serializers.IntegerField(), max_length=100, default=list)


class HeartbeatView(RunnerView):
    @extend_schema(
        request=HeartbeatSerializer,
        responses=inline_serializer(
            "HeartbeatAnswer", {"jobs": serializers.DictField(child=serializers.CharField())}
        ),
    )
    def post(self, request):
        """The runner is alive; per job: continue, stop, kill or abandon."""
        serializer = HeartbeatSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answers = jobs.heartbeat(request.auth, job_ids=serializer.validated_data["jobs"])
        return Response({"jobs": {str(pk): answer for pk, answer in answers.items()}})


class LogLineSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=0)
    stream = serializers.ChoiceField(choices=JobLogLine.Stream.choices, default="stdout")
    text = serializers.CharField(
        allow_blank=True, trim_whitespace=False, max_length=MAX_LOG_LINE_LENGTH
    )


class LogBatchSerializer(serializers.Serializer):
    lines = LogLineSerializer(many=True, max_length=MAX_LOG_LINES)


class LogView(RunnerView):
    @extend_schema(request=LogBatchSerializer, responses={202: None, 409: None})
    def post(self, request, pk):
        """Append log lines (numbered by the runner; a line sent twice is stored once).

        The job's credentials are masked in every line, whatever the runner sent."""
        job = self.running_job(request, pk)
        if job.status in Job.FINISHED:
            raise JobEnded()
        serializer = LogBatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        runlogs.append_lines(job, serializer.validated_data["lines"])
        return Response(status=status.HTTP_202_ACCEPTED)


class CompleteSerializer(serializers.Serializer):
    succeeded = serializers.BooleanField()
    exit_code = serializers.IntegerField(required=False, allow_null=True, default=None)
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    started = serializers.BooleanField(
        required=False,
        default=True,
        help_text=_(
            "False when the robot never started (its package could not be fetched or "
            "installed): the input reserved at the claim goes back to its queue uncounted."
        ),
    )
    token = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text=_(
            "The job token of the claim reported on: a late report of an earlier claim is "
            "refused (409)."
        ),
    )


class CompleteView(RunnerView):
    @extend_schema(request=CompleteSerializer, responses={200: None})
    def post(self, request, pk):
        """Report the end of a job; reporting it again changes nothing."""
        serializer = CompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = dict(serializer.validated_data)
        token = report.pop("token") or None
        started = report.pop("started")
        try:
            job = jobs.complete(request.auth, pk, token=token, **report)
        except Job.DoesNotExist:
            raise Http404 from None
        except jobs.NotYourJob as refused:
            if refused.job.runner_id != request.auth.pk:
                raise Http404 from None  # another runner's job, or queued again for anyone
            raise Conflict from None
        if job.first_work_item is not None:
            with schema_context(job.organisation.schema_name):
                workitems.give_back_first_input(job.first_work_item, job_id=job.pk, started=started)
        return Response({"id": job.pk, "status": job.status})


class PackageView(RunnerView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, pk):
        """The robot's package archive, while the job runs on this runner."""
        job = self.running_job(request, pk)
        version = job.deployment.robot_version
        if job.status != Job.Status.RUNNING or not version.archive:
            raise Http404
        return FileResponse(version.archive.open("rb"), as_attachment=True)


class ArtifactSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=255, help_text=_("The file's path inside the output folder.")
    )
    file = serializers.FileField()


class ArtifactView(RunnerView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ArtifactSerializer},
        responses={
            201: inline_serializer(
                "StoredArtifact",
                {
                    "id": serializers.IntegerField(),
                    "name": serializers.CharField(),
                    "size": serializers.IntegerField(),
                },
            )
        },
    )
    def post(self, request, pk):
        """Keep a file of the robot's output folder as the job's artifact (multipart: ``name``,
        ``file``), while the job runs on this runner; the same name again replaces it.

        Refused (400, with the sizes) over the limits the claim announced."""
        job = self.running_job(request, pk)
        if job.status != Job.Status.RUNNING:
            raise Conflict
        serializer = ArtifactSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            artifact = runlogs.store_artifact(
                job,
                name=serializer.validated_data["name"],
                upload=serializer.validated_data["file"],
            )
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"file": error.messages}) from None
        return Response(
            {"id": artifact.pk, "name": artifact.name, "size": artifact.size},
            status=status.HTTP_201_CREATED,
        )


class RunnerAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the runner token in the OpenAPI document."""

    target_class = RunnerAuthentication
    match_subclasses = True  # the claim's token header too
    name = "runnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Runner rkr_…`: the runner's token, shown once at registration.",
        }
