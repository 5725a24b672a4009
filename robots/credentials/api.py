from django.db.models import QuerySet
from rest_framework import status, viewsets
from rest_framework.response import Response

from robots.credentials import selectors, services
from robots.credentials.models import Credential
from robots.credentials.serializers import CredentialSerializer
from tenants.permissions import Capability, HasCapability


class CredentialViewSet(viewsets.ModelViewSet):
    """The member's credentials vault. Secrets are write-only: never returned.

    Only on a member's site, for its process owners and administrators.
    """

    serializer_class = CredentialSerializer
    permission_classes = [HasCapability]
    required_capability = Capability.MANAGE_CREDENTIALS
    queryset = Credential.objects.none()  # for the schema; requests read the selector
    filterset_fields = ["kind"]
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Credential]:
        return selectors.credentials_for(self.request.tenant)

    def get_serializer(self, *args, **kwargs):
        if getattr(self, "swagger_fake_view", False):
            return super().get_serializer(*args, **kwargs)
        kwargs["deployments"] = selectors.deployment_choices(self.request.tenant)
        return super().get_serializer(*args, **kwargs)

    def _respond(self, credential, code=status.HTTP_200_OK):
        credential = selectors.credential_for(self.request.tenant, credential.pk)
        return Response(self.get_serializer(credential).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["certificate"] = data.get("certificate") or None
        credential = services.create_credential(
            organisation=request.tenant, actor=request.user, **data
        )
        return self._respond(credential, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        credential = self.get_object()
        serializer = self.get_serializer(
            credential, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("kind", None)
        credential = services.update_credential(
            credential=credential, organisation=request.tenant, actor=request.user, **data
        )
        return self._respond(credential)

    def destroy(self, request, *args, **kwargs):
        services.delete_credential(
            credential=self.get_object(), organisation=request.tenant, actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
