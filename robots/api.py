from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from robots import selectors, services
from robots.models import Deployment, Job
from robots.runlogs import services as runlogs
from robots.serializers import (
    DeploymentSerializer,
    DeploymentSettingsSerializer,
    JobDetailSerializer,
    JobSerializer,
    RunSerializer,
)
from robots.services import jobs
from tenants.permissions import Capability, can, deployment_run_capability


class NotActive(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_active"
    default_detail = _("The deployment is not active.")


class MayOperateDeployments(BasePermission):
    """Everyone on the site reads; starting, pausing and resuming follow
    ``deployment_run_capability``; only the office changes schedules and limits."""

    message = exceptions.PermissionDenied.default_detail

    def has_permission(self, request, view):
        tenant = request.tenant
        if view.action in ("run", "pause", "resume"):
            return can(request.user, tenant, deployment_run_capability(tenant))
        if view.action == "partial_update":
            return tenant.is_office and can(request.user, tenant, Capability.OPERATE_ROBOTS)
        return can(request.user, tenant, Capability.VIEW_SITE)


class DeploymentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Deployments (created by activated orders): a member's own, or every one for the office.

    The office changes schedules and limits (PATCH); the office and the member's process
    owners and administrators start (``run``), pause and resume them.
    """

    serializer_class = DeploymentSerializer
    permission_classes = [MayOperateDeployments]
    queryset = Deployment.objects.none()  # for the schema; requests read the selector
    filterset_fields = ["status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.deployments_for(self.request.tenant)

    @extend_schema(request=DeploymentSettingsSerializer, responses=DeploymentSerializer)
    def partial_update(self, request, *args, **kwargs):
        deployment = self.get_object()
        serializer = DeploymentSettingsSerializer(deployment, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        deployment = services.update_deployment(
            deployment=deployment, actor=request.user, **serializer.validated_data
        )
        return Response(DeploymentSerializer(self.get_queryset().get(pk=deployment.pk)).data)

    @extend_schema(request=RunSerializer, responses={201: JobSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        """Queue a run now (trigger ``api``), optionally with parameters for this run."""
        deployment = self.get_object()
        serializer = RunSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            job = jobs.enqueue(
                deployment=deployment,
                trigger=Job.Trigger.API,
                actor=request.user,
                parameters=serializer.validated_data.get("parameters"),
            )
        except jobs.DeploymentNotActive as error:
            raise NotActive(error.messages[0]) from None
        return Response(JobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=DeploymentSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """No schedule, queue trigger or new runs until resumed; running jobs go on."""
        deployment = services.pause_deployment(deployment=self.get_object(), actor=request.user)
        return Response(DeploymentSerializer(self.get_queryset().get(pk=deployment.pk)).data)

    @extend_schema(request=None, responses=DeploymentSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        deployment = services.resume_deployment(deployment=self.get_object(), actor=request.user)
        return Response(DeploymentSerializer(self.get_queryset().get(pk=deployment.pk)).data)


class MayViewSite(BasePermission):
    """Everyone on the site reads runs; those who may start runs try one again."""

    message = exceptions.PermissionDenied.default_detail

    def has_permission(self, request, view):
        if view.action == "retry":
            return can(request.user, request.tenant, deployment_run_capability(request.tenant))
        return can(request.user, request.tenant, Capability.VIEW_SITE)


class NotRetryable(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_retryable"
    default_detail = _("Only a failed or cancelled run can be tried again.")


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs, newest first: a member's own, or every member's for the office. A run's page
    lists the artifacts its robot left in its output folder, each downloadable. Those who
    may start runs try a failed or cancelled one again (``retry``)."""

    permission_classes = [MayViewSite]
    queryset = Job.objects.none()  # for the schema; requests read the selector
    filterset_fields = ["status", "deployment"]

    def get_queryset(self):
        return selectors.jobs_for(self.request.tenant)

    def get_serializer_class(self):
        return JobDetailSerializer if self.action == "retrieve" else JobSerializer

    @extend_schema(request=None, responses={201: JobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Try a failed or cancelled run again: a new run of the same deployment with the
        same parameters (409 for a run in any other state, or a deployment not active)."""
        try:
            retried = jobs.retry(job=self.get_object(), actor=request.user)
        except jobs.DeploymentNotActive as error:
            raise NotActive(error.messages[0]) from None
        except ValidationError as error:
            raise NotRetryable(error.messages[0]) from None
        return Response(JobSerializer(retried).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"artifacts/(?P<artifact_pk>\d+)")
    def artifact(self, request, pk=None, artifact_pk=None):
        """Download one of the run's artifacts."""
        artifact = runlogs.artifact_of(self.get_object(), artifact_pk)
        return FileResponse(
            artifact.file.open("rb"),
            as_attachment=True,
            filename=artifact.name.rsplit("/", 1)[-1],
        )
