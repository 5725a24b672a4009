from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from orders import selectors, services
from orders.models import Order
from orders.serializers import (
    OrderActionSerializer,
    OrderCommentSerializer,
    OrderConfigureSerializer,
    OrderSerializer,
)
from tenants.permissions import HasCapability


class OrderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Orders of catalog robots: a member sees its own, the office every member's."""

    serializer_class = OrderSerializer
    permission_classes = [HasCapability]
    queryset = Order.objects.none()  # for the schema; requests read selectors.orders_for
    filterset_fields = ["status", "robot__slug"]

    def get_queryset(self):
        return selectors.orders_for(self.request.tenant)

    def _respond(self, order, code=status.HTTP_200_OK):
        order = selectors.order_for(self.request.tenant, order.pk)
        return Response(OrderSerializer(order, context=self.get_serializer_context()).data, code)

    def create(self, request, *args, **kwargs):
        """Order a robot for the organisation of this site (member staff)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.place_order(
            organisation=request.tenant, actor=request.user, **serializer.validated_data
        )
        return self._respond(order, status.HTTP_201_CREATED)

    @extend_schema(request=OrderActionSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def act(self, request, pk=None):
        """Approve (member), accept, start_test, send_back, activate (office), pause,
        resume or cancel (with a reason)."""
        serializer = OrderActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.act_on_order(
            order=self.get_object(),
            actor=request.user,
            site=request.tenant,
            **serializer.validated_data,
        )
        return self._respond(order)

    @extend_schema(request=OrderConfigureSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def configure(self, request, pk=None):
        """The office sets version, parameters and schedule before activation."""
        serializer = OrderConfigureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.configure_order(
            order=self.get_object(), actor=request.user, **serializer.validated_data
        )
        return self._respond(order)

    @extend_schema(methods=["get"], request=None, responses=OrderCommentSerializer(many=True))
    @extend_schema(
        methods=["post"], request=OrderCommentSerializer, responses=OrderCommentSerializer
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request, pk=None):
        """The conversation between the member and the office about the order."""
        order = self.get_object()
        if request.method == "GET":
            return Response(OrderCommentSerializer(selectors.comments_of(order), many=True).data)
        serializer = OrderCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        made = services.comment(
            order=order,
            actor=request.user,
            site=request.tenant,
            text=serializer.validated_data["text"],
        )
        return Response(OrderCommentSerializer(made).data, status=status.HTTP_201_CREATED)
