from rest_framework import viewsets

from robots import selectors
from robots.models import Deployment
from robots.serializers import DeploymentSerializer
from tenants.permissions import HasCapability


class DeploymentViewSet(viewsets.ReadOnlyModelViewSet):
    """Deployments (created by activated orders): a member's own, or every one for the office."""

    serializer_class = DeploymentSerializer
    permission_classes = [HasCapability]
    queryset = Deployment.objects.none()  # for the schema; requests read the selector
    filterset_fields = ["status"]

    def get_queryset(self):
        return selectors.deployments_for(self.request.tenant)
