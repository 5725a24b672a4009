"""Robocorp Control Room's work-item API, served on top of our work queues.

A robot written for Control Room with ``robocorp-workitems`` runs unchanged: the agent sets
the ``RC_*`` variables (``runner_api.robocorp_environment``) so the library's Control Room
adapter calls these endpoints. Its two URL families are kept exactly:

* ``…/process-v1/workspaces/<organisation>/processes/<deployment>/runs/<job>/robotRuns/
  <job>/reserve-next-work-item`` and ``…/release-work-item``, and ``…/processes/
  <deployment>/work-items/<item>/output``;
* ``…/json-v1/workspaces/<organisation>/workitems/<item>/data`` and ``…/files[/<file>]``.

Files travel as in Control Room: the API answers with a short-lived signed URL that the
library then uploads to or downloads from without the token. Input items are ``"<pk>"``,
output items ``"output-<pk>"``. Errors are the API's usual ``{"error": {"code",
"message"}}``, which the library reads.
"""

from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import schema_context
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.parsers import MultiPartParser
from robots.models import Job
from robots.workitems import selectors, services
from robots.workitems.models import WorkItem, WorkItemOutput
from robots.workitems.robot_api import JobView

OUTPUT_PREFIX = "output-"
FILE_URL_SALT = "robotkontor.workitems.robocorp-file"
FILE_URL_SECONDS = 15 * 60
EXCEPTION_OUTCOMES = {
    "BUSINESS": services.Status.BUSINESS_EXCEPTION,
    "APPLICATION": services.Status.APPLICATION_EXCEPTION,
}


class Refused(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST  # Control Room's client does not retry a 400
    default_code = "invalid"


class ItemFinished(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The work item is finished: its payload can no longer change.")
    default_code = "conflict"


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [
            message if field == api_settings.NON_FIELD_ERRORS_KEY else f"{field}: {message}"
            for field, value in detail.items()
            for message in _messages(value)
        ]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


class ClearErrors:
    """Control Room's client shows an error's ``message`` only: put the reasons in it."""

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = Refused(" ".join(exc.messages))
        elif isinstance(exc, exceptions.ValidationError):
            exc = Refused(" ".join(_messages(exc.detail)))
        return super().handle_exception(exc)


class RobocorpView(ClearErrors, JobView):
    """A call of the Control Room adapter: the ids in the path must be the job's own."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        job = self.job
        expected = {
            "workspace": job.organisation.slug,
            "process": str(job.deployment_id),
            "run": str(job.pk),
        }
        if any(kwargs.get(name, value) != value for name, value in expected.items()):
            raise Http404

    def item_or_output(self, item_id: str) -> WorkItem | WorkItemOutput:
        return owner_of(self.job.deployment_id, item_id)


def owner_of(deployment_id: int, item_id: str) -> WorkItem | WorkItemOutput:
    """In the member's schema: the deployment's input item or output item with this id."""
    if item_id.startswith(OUTPUT_PREFIX):
        pk = item_id.removeprefix(OUTPUT_PREFIX)
        if not pk.isdigit():
            raise Http404
        return selectors.robot_output(deployment_id, pk)
    if not item_id.isdigit():
        raise Http404
    return selectors.robot_item(deployment_id, item_id)


def robocorp_id(owner: WorkItem | WorkItemOutput) -> str:
    return f"{OUTPUT_PREFIX}{owner.pk}" if isinstance(owner, WorkItemOutput) else str(owner.pk)


# --- process-v1: reserve, release, outputs --------------------------------------------------


class ReserveNextView(RobocorpView):
    @extend_schema(request=None, responses={200: dict})
    def post(self, request, **ids):
        """The next input item of the deployment's queues (``workItemId`` null when none)."""
        with schema_context(self.job.organisation.schema_name):
            item = services.reserve_for_deployment(self.job.deployment_id, job_id=self.job.pk)
        return Response({"workItemId": str(item.pk) if item is not None else None})


class RobocorpExceptionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=list(EXCEPTION_OUTCOMES), default="APPLICATION")
    code = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    # Any length: a longer message is kept shortened (services.shortened_reason).
    message = serializers.CharField(required=False, allow_blank=True, default="")


class RobocorpReleaseSerializer(serializers.Serializer):
    workItemId = serializers.CharField(max_length=50)
    state = serializers.ChoiceField(choices=["COMPLETED", "FAILED"])
    exception = RobocorpExceptionSerializer(required=False)


class ReleaseView(RobocorpView):
    @extend_schema(request=RobocorpReleaseSerializer, responses={200: dict})
    def post(self, request, **ids):
        """COMPLETED is done; FAILED with a BUSINESS exception goes to manual handling, with
        an APPLICATION exception the item is tried again while attempts remain."""
        serializer = RobocorpReleaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["state"] == "COMPLETED":
            outcome, message = services.Status.DONE, ""
        else:
            exception = data.get("exception") or {"type": "APPLICATION", "code": "", "message": ""}
            outcome = EXCEPTION_OUTCOMES[exception["type"]]
            message = ": ".join(part for part in (exception["code"], exception["message"]) if part)
        with schema_context(self.job.organisation.schema_name):
            item = self.item_or_output(data["workItemId"])
            if not isinstance(item, WorkItem):
                raise exceptions.ValidationError(
                    {"workItemId": _("Only an input work item can be released.")}
                )
            item = services.release(
                item, outcome=outcome, message=self.masked(message), job_id=self.job.pk
            )
        return Response({"workItemId": str(item.pk), "state": data["state"]})


class CreateOutputView(RobocorpView):
    @extend_schema(request=dict, responses={201: dict})
    def post(self, request, item_id, **ids):
        """An output item of the input item ``item_id``, with ``payload``."""
        data = request.data if isinstance(request.data, dict) else {}
        with schema_context(self.job.organisation.schema_name):
            parent = self.item_or_output(item_id)
            if not isinstance(parent, WorkItem):
                raise Http404
            output = services.create_output(parent, data.get("payload"))
        return Response({"id": robocorp_id(output)}, status=status.HTTP_201_CREATED)


# --- json-v1: payloads and files ------------------------------------------------------------


class PayloadView(RobocorpView):
    @extend_schema(responses={200: dict})
    def get(self, request, item_id, **ids):
        """The item's payload."""
        with schema_context(self.job.organisation.schema_name):
            return Response(self.item_or_output(item_id).payload)

    @extend_schema(request=dict, responses={200: dict, 409: None})
    def put(self, request, item_id, **ids):
        """Replace the item's payload (a JSON object)."""
        with schema_context(self.job.organisation.schema_name):
            owner = self.item_or_output(item_id)
            if isinstance(owner, WorkItem):
                try:
                    owner = services.save_payload_by_robot(owner, request.data)
                except services.ItemFinished:
                    raise ItemFinished() from None
            else:
                owner = services.save_output_payload(owner, request.data)
            return Response(owner.payload)


def _file_entry(attached) -> dict:
    return {"fileId": str(attached.pk), "fileName": attached.name, "size": attached.size}


class NewFileSerializer(serializers.Serializer):
    fileName = serializers.CharField(max_length=255)
    fileSize = serializers.IntegerField(min_value=0)


class FileListView(RobocorpView):
    @extend_schema(operation_id="robocorp_workitem_files_list", responses={200: dict})
    def get(self, request, item_id, **ids):
        """The item's files: ``[{"fileId", "fileName", "size"}]``."""
        with schema_context(self.job.organisation.schema_name):
            owner = self.item_or_output(item_id)
            return Response([_file_entry(attached) for attached in selectors.files_of(owner)])

    @extend_schema(request=NewFileSerializer, responses={200: dict})
    def post(self, request, item_id, **ids):
        """Announce a file: answers a signed URL to upload it to (as Control Room does)."""
        serializer = NewFileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name = services.check_new_file(
            serializer.validated_data["fileName"], serializer.validated_data["fileSize"]
        )
        with schema_context(self.job.organisation.schema_name):
            self.item_or_output(item_id)  # 404 unless the job may touch it
        signature = signing.dumps(
            {"job": self.job.pk, "claim": self.job.token_hash[:16], "item": item_id, "name": name},
            salt=FILE_URL_SALT,
        )
        url = request.build_absolute_uri(reverse("robocorp-file-upload"))
        return Response({"url": f"{url}?signature={signature}", "fields": {}})


class FileView(RobocorpView):
    @extend_schema(operation_id="robocorp_workitem_file_link", responses={200: dict})
    def get(self, request, item_id, file_id, **ids):
        """A signed URL to download the file from."""
        with schema_context(self.job.organisation.schema_name):
            attached = selectors.robot_file(self.item_or_output(item_id), file_id)
        signature = signing.dumps(
            {"job": self.job.pk, "claim": self.job.token_hash[:16], "file": attached.pk},
            salt=FILE_URL_SALT,
        )
        url = request.build_absolute_uri(reverse("robocorp-file-download"))
        return Response({"url": f"{url}?signature={signature}"})

    @extend_schema(responses={204: None})
    def delete(self, request, item_id, file_id, **ids):
        """Remove the file."""
        with schema_context(self.job.organisation.schema_name):
            services.remove_file(selectors.robot_file(self.item_or_output(item_id), file_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignedFileView(ClearErrors, APIView):
    """The upload or download behind a signed URL: the signature stands in for the token and
    holds only while the same claim of the job runs."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def signed(self, request) -> tuple[Job, dict]:
        if not getattr(request.tenant, "is_office", False):
            raise Http404
        try:
            data = signing.loads(
                request.query_params.get("signature", ""),
                salt=FILE_URL_SALT,
                max_age=FILE_URL_SECONDS,
            )
        except signing.BadSignature:
            raise exceptions.PermissionDenied(
                _("The file link is invalid or has expired; ask the work-item API for a new one.")
            ) from None
        job = (
            Job.objects.select_related("organisation")
            .filter(pk=data["job"], status=Job.Status.RUNNING)
            .first()
        )
        if job is None or job.token_hash[:16] != data["claim"]:
            raise exceptions.PermissionDenied(_("The job this file link was made for has ended."))
        return job, data


class FileUploadView(SignedFileView):
    parser_classes = [MultiPartParser]

    @extend_schema(exclude=True)
    def post(self, request):
        job, data = self.signed(request)
        upload = request.FILES.get("file")
        if upload is None or "name" not in data:
            raise exceptions.ValidationError({"file": _("Send the file in the field “file”.")})
        services.check_file_size(upload.size)
        with schema_context(job.organisation.schema_name):
            owner = owner_of(job.deployment_id, data["item"])
            services.attach_file(owner, name=data["name"], content=upload.read())
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileDownloadView(SignedFileView):
    @extend_schema(exclude=True)
    def get(self, request):
        job, data = self.signed(request)
        if "file" not in data:
            raise Http404
        with schema_context(job.organisation.schema_name):
            attached = selectors.robot_file_of_deployment(job.deployment_id, data["file"])
            handle = attached.file.open("rb")
        return FileResponse(handle, as_attachment=True, filename=attached.name)
