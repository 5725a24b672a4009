"""The catalog API: every site reads it, office developers manage it on the office host."""

import django_filters
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog import selectors, services
from catalog.models import MEMBER_KINDS, Robot, RobotVersion
from catalog.serializers import RobotSerializer, RobotVersionSerializer, TransitionSerializer
from tenants.permissions import Capability, HasCapability


class CatalogPermission(HasCapability):
    """Reading needs a membership of the site; changing needs MANAGE_CATALOG on the office."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            view.required_capability = Capability.VIEW_SITE
        else:
            if not request.tenant.is_office:
                return False
            view.required_capability = Capability.MANAGE_CATALOG
        return super().has_permission(request, view)


class RobotFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Robot.Kind.choices)
    category = django_filters.ChoiceFilter(choices=Robot.Category.choices)
    system = django_filters.CharFilter(method="filter_catalog", label="System")
    member_kind = django_filters.ChoiceFilter(
        choices=[(k.value, k.label) for k in MEMBER_KINDS],
        method="filter_catalog",
        label="Suitable for member kind",
    )
    q = django_filters.CharFilter(
        method="filter_catalog", label="Search names and summaries (Danish and English)"
    )

    class Meta:
        model = Robot
        fields = ["kind", "category"]

    def filter_catalog(self, queryset, name, value):
        return selectors.search_robots(queryset, **{name: value})


class RobotViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Robots of the shared catalog. Members see the robots that have a version in production."""

    queryset = Robot.objects.none()  # the real one depends on the site, see get_queryset
    serializer_class = RobotSerializer
    permission_classes = [CatalogPermission]
    filterset_class = RobotFilter
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.robots_for(self.request.tenant)

    def _respond(self, robot, status_code=status.HTTP_200_OK):
        robot = self.get_queryset().get(pk=robot.pk)
        return Response(self.get_serializer(robot).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        robot = services.create_robot(actor=request.user, **serializer.validated_data)
        return self._respond(robot, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        robot = self.get_object()
        serializer = self.get_serializer(
            robot, data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        robot = services.update_robot(robot=robot, actor=request.user, **serializer.validated_data)
        return self._respond(robot)


class RobotVersionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Versions of a catalog robot. Members see the versions in production."""

    queryset = RobotVersion.objects.none()  # the real one depends on the site and robot
    serializer_class = RobotVersionSerializer
    permission_classes = [CatalogPermission]

    def get_robot(self) -> Robot:
        if not hasattr(self, "_robot"):
            try:
                self._robot = selectors.robot_for(self.request.tenant, self.kwargs["robot_slug"])
            except Robot.DoesNotExist:
                raise Http404 from None
        return self._robot

    def get_queryset(self):
        return selectors.versions_for(self.get_robot(), self.request.tenant)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.create_version(
            robot=self.get_robot(), actor=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses=RobotVersionSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        """Move the version to another status: draft → test → approved → production → retired.

        Approving needs someone other than the author (four eyes); production needs an
        approved version. A refused move answers 400 with the reason under ``fields.to``.
        """
        version = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = services.transition_version(
            version, serializer.validated_data["to"], request.user
        )
        return Response(self.get_serializer(version).data)
