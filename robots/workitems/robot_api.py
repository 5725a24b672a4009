"""The work-item API a robot calls while its job runs, on the office host.

The robot authenticates with its job's one-time token (``Authorization: Bearer <token>``,
handed to it by the runner agent); only a running job's token is accepted. A job sees
only the work queues of its own deployment, in its own organisation's schema.
See docs/execution.md, "Robot work-item API and Robocorp compatibility".
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context
from drf_spectacular.drainage import set_override
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import authentication, exceptions, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.jsondata import JsonOnly, JSONParser
from robots import selectors as job_selectors
from robots.credentials import redaction
from robots.credentials import services as credentials
from robots.models import Deployment, Job
from robots.selectors import RunningJob
from robots.services import jobs
from robots.workitems import selectors, services
from robots.workitems.models import WorkItem, WorkQueue
from robots.workitems.serializers import ROBOT_ITEM_FIELDS


class JobNotRunning(exceptions.AuthenticationFailed):
    default_detail = _("Unknown job token, or the job is no longer running.")


class JobTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <job token>``: the token the job was claimed with."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid job token header: send “Authorization: Bearer <job token>”.")
            )
        job = self.running_job(header[1].decode(errors="replace"))
        if job is None:
            raise JobNotRunning
        return JobPrincipal(job), job

    def authenticate_header(self, request):
        return self.keyword

    def running_job(self, token: str):
        return job_selectors.running_job_for_token(token)


class RunningJobTokenAuthentication(JobTokenAuthentication):
    """The same token, for the calls a robot makes for every item (reserve, release): the
    job as this process read it at the robot's earlier call, or else only what these calls
    need of it, in one plain statement (``selectors.known_running_job``). A job known from
    before is checked by the call's own statement (``ItemCallView``)."""

    def running_job(self, token: str):
        return job_selectors.known_running_job(token)


# The same ``jobToken`` scheme in the OpenAPI document as the other robot endpoints'.
set_override(RunningJobTokenAuthentication, "suppress_collision_warning", True)


class JobPrincipal:
    """Stands in for ``request.user`` when a running job's robot calls."""

    is_authenticated = True
    is_active = True
    pk = None

    def __init__(self, job: Job | RunningJob):
        self.job = job

    def __str__(self):
        return f"job {self.job.pk}"


class IsRunningJobOnOfficeHost(BasePermission):
    def has_permission(self, request, view):
        if not getattr(request.tenant, "is_office", False):
            raise Http404
        if not isinstance(request.auth, Job | RunningJob):
            raise exceptions.NotAuthenticated(
                _("Send the running job's token: “Authorization: Bearer <job token>”.")
            )
        return True


class JobView(APIView):
    """A robot's call: ``self.job`` is its running job; handlers switch to its member schema."""

    authentication_classes = [JobTokenAuthentication]
    permission_classes = [IsRunningJobOnOfficeHost]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.job = request.auth

    def masked(self, text: str) -> str:
        """``text`` with the job's credentials masked (a robot's message is stored); an
        empty message reads no credentials."""
        if not text:
            return text
        deployment = Deployment.objects.select_related("organisation").get(
            pk=self.job.deployment_id
        )
        for secret in credentials.secret_values_for_redaction(deployment=deployment):
            redaction.register_secret(secret)
        return redaction.redact(text)


class JsonJobView(JobView):
    """A robot's JSON call: nothing to negotiate (as the runner API's, ``JsonOnly``)."""

    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    content_negotiation_class = JsonOnly


class RobotQueueSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkQueue
        fields = ["id", "name", "description"]


class RobotItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkItem
        fields = list(ROBOT_ITEM_FIELDS)


_DATETIME = serializers.DateTimeField()


def robot_item(item: WorkItem) -> dict:
    """``RobotItemSerializer(item).data``, written out: a robot is answered with an item on
    every reserve and release, and building a model serializer costs more than the call's
    database work."""
    return {
        "id": item.pk,
        "queue": item.queue_id,
        "reference": item.reference,
        "payload": item.payload,
        "status": item.status,
        "priority": item.priority,
        "deadline": None if item.deadline is None else _DATETIME.to_representation(item.deadline),
        "attempts": item.attempts,
        "outcome": item.outcome,
        "reason": item.reason,
        "output": item.output,
    }


class ItemCallView(JsonJobView):
    """A reserve or a release, answered by ``robot_item``. The job (a ``RunningJob``) may be
    known from the robot's earlier call and not yet checked in this request: the services'
    one statement checks that it still runs with the token, and every other way first
    calls ``verified_job``. So the usual call is one statement."""

    authentication_classes = [RunningJobTokenAuthentication]

    def verified_job(self) -> RunningJob:
        """The job as the database has it now (401 when it no longer runs)."""
        if not self.job.verified:
            self.job = job_selectors.running_job_by_token_hash(self.job.token_hash)
            if self.job is None:
                raise JobNotRunning
        return self.job


class ReleaseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(value, value) for value in services.OUTCOMES])
    # Any length: a longer message is kept shortened (services.shortened_reason).
    message = serializers.CharField(required=False, allow_blank=True, default="")
    output = serializers.JSONField(required=False, allow_null=True, default=None)


class RobotQueueListView(JsonJobView):
    @extend_schema(responses=RobotQueueSerializer(many=True))
    def get(self, request):
        """The work queues of the job's deployment."""
        with schema_context(self.job.schema_name):
            queues = selectors.queues_of_deployment(self.job.deployment_id)
            return Response(RobotQueueSerializer(queues, many=True).data)


class RobotReserveView(ItemCallView):
    def first_input(self, queue: WorkQueue) -> WorkItem | None:
        """The input reserved for the run at its claim (``RC_WORKITEM_ID``), the first time
        the robot asks for an item over this API instead."""
        if self.job.first_work_item is None:
            return None
        item = WorkItem.objects.filter(
            pk=self.job.first_work_item,
            queue=queue,
            status=services.Status.IN_PROGRESS,
            reserved_by_job=self.job.pk,
        ).first()
        if item is None or jobs.take_first_work_item(self.job.pk) != item.pk:
            return None
        return item

    @extend_schema(request=None, responses={200: RobotItemSerializer, 204: None})
    def post(self, request, pk):
        """Reserve the queue's next item (204 when there is none to work on now)."""
        if self.job.first_work_item is not None:
            job = self.verified_job()
            with schema_context(job.schema_name):
                item = self.first_input(selectors.robot_queue(job.deployment_id, pk))
            if item is not None:
                job_selectors.forget_first_work_item(job)
                return Response(robot_item(item))
        # The usual call: the next item in one statement, without switching schemas.
        item = services.reserve_for_job(self.job, pk)
        if item is None:
            self.verified_job()
            with schema_context(self.job.schema_name):
                selectors.robot_queue(self.job.deployment_id, pk)  # 404 when not the job's
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(robot_item(item))


class RobotReleaseView(ItemCallView):
    @extend_schema(request=ReleaseSerializer, responses=RobotItemSerializer)
    def post(self, request, pk):
        """Report how an item went: ``done``, ``business_exception`` (to manual handling)
        or ``application_exception`` (tried again while attempts remain)."""
        serializer = ReleaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        data["message"] = self.masked(data["message"])
        # The usual report (the run's own item, still in progress, finished) in one statement;
        # anything else as before.
        item = services.release_for_job(self.job, pk, **data)
        if item is None:
            self.verified_job()
            with schema_context(self.job.schema_name):
                item = selectors.robot_item(self.job.deployment_id, pk)
                item = services.release(item, **data, job_id=self.job.pk)
        return Response(robot_item(item))


class JobTokenScheme(OpenApiAuthenticationExtension):
    """Describes the job token in the OpenAPI document."""

    target_class = JobTokenAuthentication
    match_subclasses = True  # the reserve's and release's token lookup too
    name = "jobToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The running job's one-time token (ROBOTKONTOR_JOB_TOKEN).",
        }
