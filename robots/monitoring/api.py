from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from robots.monitoring import selectors, services
from robots.monitoring.models import Alert
from robots.monitoring.serializers import AlertSerializer
from tenants.permissions import HasCapability


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Alerts: a member sees its own, the office every one. Office operators, and a
    member's process owners and administrators, acknowledge and resolve them."""

    serializer_class = AlertSerializer
    permission_classes = [HasCapability]
    queryset = Alert.objects.none()  # for the schema; requests read the selector
    filterset_fields = ["state", "kind"]

    def get_queryset(self):
        return selectors.alerts_for(self.request.tenant)

    def _act(self, act):
        alert = act(alert=self.get_object(), actor=self.request.user, site=self.request.tenant)
        alert = selectors.alert_for(self.request.tenant, alert.pk)
        return Response(AlertSerializer(alert, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Someone is on it: an open alert becomes acknowledged."""
        return self._act(services.acknowledge)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Resolved by hand (it is raised anew if the condition persists)."""
        return self._act(services.resolve)
