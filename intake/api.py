from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from intake import selectors, services
from intake.models import Idea
from intake.serializers import (
    AssessSerializer,
    CommentSerializer,
    IdeaSerializer,
    MoveSerializer,
    ScoringWeightsSerializer,
)
from tenants.permissions import HasCapability


class IdeaViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Ideas for automation: a member's own and joined ones; the office sees all."""

    serializer_class = IdeaSerializer
    permission_classes = [HasCapability]
    queryset = Idea.objects.none()  # for the schema; requests read selectors.ideas_for
    filterset_fields = ["status", "urgency"]

    def get_queryset(self):
        return selectors.ideas_for(self.request.tenant)

    def _figured(self, ideas):
        return selectors.with_figures(
            ideas, selectors.current_weights(), viewer=self.request.tenant
        )

    def paginate_queryset(self, queryset):
        return self._figured(super().paginate_queryset(queryset))

    def get_object(self):
        return self._figured([super().get_object()])[0]

    def _respond(self, idea, code=status.HTTP_200_OK):
        idea = self._figured([selectors.idea_for(self.request.tenant, idea.pk)])[0]
        return Response(IdeaSerializer(idea, context=self.get_serializer_context()).data, code)

    def create(self, request, *args, **kwargs):
        """Submit an idea for the organisation of this site (member staff)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        idea = services.submit_idea(
            organisation=request.tenant, actor=request.user, **serializer.validated_data
        )
        return self._respond(idea, status.HTTP_201_CREATED)

    @extend_schema(request=MoveSerializer, responses=IdeaSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the idea on the office's kanban (office staff); rejecting needs a reason."""
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        idea = services.move_idea(
            idea=self.get_object(),
            actor=request.user,
            to_status=serializer.validated_data["to"],
            reason=serializer.validated_data["reason"],
        )
        return self._respond(idea)

    @extend_schema(request=AssessSerializer, responses=IdeaSerializer)
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        """Set the assignee and the estimated build hours (office staff); omitted stay."""
        idea = self.get_object()
        serializer = AssessSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        idea = services.assess_idea(
            idea=idea,
            actor=request.user,
            assignee=data.get("assignee", idea.assignee),
            estimated_build_hours=data.get("estimated_build_hours", idea.estimated_build_hours),
        )
        return self._respond(idea)

    @extend_schema(request=None, responses=IdeaSerializer)
    @action(detail=True, methods=["post"])
    def join(self, request, pk=None):
        """Join another member's open idea: share its development (and later its cost)."""
        idea = selectors.joinable_idea(request.tenant, pk)
        services.join_idea(idea=idea, organisation=request.tenant, actor=request.user)
        return self._respond(idea)

    @extend_schema(methods=["get"], request=None, responses=CommentSerializer(many=True))
    @extend_schema(methods=["post"], request=CommentSerializer, responses=CommentSerializer)
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def comments(self, request, pk=None):
        """The conversation between the member(s) and the office about the idea."""
        idea = selectors.idea_for(request.tenant, pk)
        if request.method == "GET":
            comments = selectors.comments_of(idea)
            return Response(CommentSerializer(comments, many=True).data)
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        made = services.comment(
            idea=idea,
            actor=request.user,
            organisation=request.tenant,
            text=serializer.validated_data["text"],
        )
        return Response(CommentSerializer(made).data, status=status.HTTP_201_CREATED)


class ScoringWeightsView(generics.RetrieveUpdateAPIView):
    """The office's scoring weights and business-case rates: office staff read them,
    office developers and administrators change them."""

    serializer_class = ScoringWeightsSerializer
    permission_classes = [HasCapability]

    def get_object(self):
        if not self.request.tenant.is_office:
            raise PermissionDenied("The scoring weights belong to the office console.")
        return selectors.current_weights()

    def perform_update(self, serializer):
        serializer.instance = services.update_weights(
            actor=self.request.user, **serializer.validated_data
        )
