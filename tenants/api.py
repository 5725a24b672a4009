from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from tenants import selectors, services
from tenants.models import ApiToken, KeyFigure, Membership, Notification, User
from tenants.permissions import Capability, HasCapability
from tenants.serializers import (
    ApiTokenSerializer,
    CurrentUserSerializer,
    JobLimitSerializer,
    KeyFigureSerializer,
    NewApiTokenSerializer,
    NotificationSerializer,
    OrganisationDetailsSerializer,
    OrganisationSerializer,
)
from tenants.services import notifications


class Capable(HasCapability):
    """HasCapability, refusing with DRF's own message, which is translated (Danish too)."""

    message = exceptions.PermissionDenied.default_detail


class OfficeOnly(Capable):
    """Endpoints of the office console: only on the office host."""

    def has_permission(self, request, view):
        return request.tenant.is_office and super().has_permission(request, view)


class OrganisationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Organisations of the partnership (office console). Creating one provisions its site."""

    serializer_class = OrganisationSerializer
    permission_classes = [OfficeOnly]
    lookup_field = "slug"
    filterset_fields = ["kind", "is_active"]
    ordering = "name"

    def get_queryset(self):
        return selectors.organisations_for_office()

    def get_permissions(self):
        self.required_capability = {
            "create": Capability.MANAGE_ORGANISATIONS,
            "partial_update": Capability.EDIT_ORGANISATION_DETAILS,
            "job_limit": Capability.OPERATE_ROBOTS,
        }.get(self.action, Capability.VIEW_SITE)
        return super().get_permissions()

    @extend_schema(request=JobLimitSerializer, responses=OrganisationSerializer)
    @action(detail=True, methods=["patch"], url_path="job-limit")
    def job_limit(self, request, slug=None):
        """How many of the member's robot jobs run at once (office operators)."""
        organisation = self.get_object()
        serializer = JobLimitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_job_limit(
            organisation=organisation, actor=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=organisation.pk)).data)

    @extend_schema(request=OrganisationDetailsSerializer, responses=OrganisationSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Correct a member's invoicing details (office admins and finance; audited).

        Only PATCH: send the fields that change. Slug and kind cannot be changed."""
        organisation = self.get_object()
        serializer = OrganisationDetailsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.update_organisation_details(
            organisation=organisation, actor=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=organisation.pk)).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = services.provision_organisation(**serializer.validated_data)
        organisation = self.get_queryset().get(pk=organisation.pk)
        return Response(self.get_serializer(organisation).data, status=status.HTTP_201_CREATED)


class KeyFigureListView(generics.ListCreateAPIView):
    """Dated key figures of an organisation (population, housing units, employees)."""

    serializer_class = KeyFigureSerializer
    permission_classes = [Capable]
    ordering = "-valid_from"
    filterset_fields = ["kind"]

    queryset = KeyFigure.objects.none()  # for the schema; requests read their own tenant's

    def get_queryset(self):
        return self.request.tenant.key_figures.all()

    def get_permissions(self):
        self.required_capability = (
            Capability.MANAGE_KEY_FIGURES if self.request.method == "POST" else Capability.VIEW_SITE
        )
        return super().get_permissions()

    def perform_create(self, serializer):
        if self.request.tenant.is_office:
            raise exceptions.PermissionDenied(_("Key figures belong to a member organisation."))
        serializer.instance = services.set_key_figure(
            organisation=self.request.tenant, **serializer.validated_data
        )


class CurrentUserView(generics.RetrieveUpdateAPIView):
    """The signed-in person and their memberships."""

    serializer_class = CurrentUserSerializer
    permission_classes = [Capable]

    def get_object(self):
        # request.user is a lazy object with a browser session: not its class, the model's.
        return User.objects.prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("organisation"))
        ).get(pk=self.request.user.pk)


class NoTokenFromToken(BasePermission):
    """A token may list and revoke its person's tokens, but not create more: otherwise a leaked
    token could outlive its own revocation or expiry. New tokens come from a signed-in person."""

    message = _("API tokens are created by a signed-in person, not with another API token.")

    def has_permission(self, request, view):
        return view.action != "create" or not isinstance(request.auth, ApiToken)


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your personal API tokens for this organisation's site. A token acts as you, here only.

    The key is returned once, when the token is created; deleting a token revokes it."""

    serializer_class = ApiTokenSerializer
    permission_classes = [Capable, NoTokenFromToken]
    queryset = ApiToken.objects.none()  # for the schema; requests read their own tokens

    def get_queryset(self):
        return selectors.tokens_of(self.request.user, self.request.tenant)

    @extend_schema(responses={201: NewApiTokenSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = services.issue_api_token(
            user=request.user, organisation=request.tenant, **serializer.validated_data
        )
        token.key = key
        response = Response(NewApiTokenSerializer(token).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"  # the key must not linger in any cache
        return response

    def perform_destroy(self, instance):
        services.revoke_api_token(token=instance, actor=self.request.user)


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's notifications on this site, newest first."""

    serializer_class = NotificationSerializer
    permission_classes = [HasCapability]
    queryset = Notification.objects.none()  # for the schema; requests read selectors.inbox
    filterset_fields = {"read_at": ["isnull"]}

    def get_queryset(self):
        return selectors.inbox(self.request.user, self.request.tenant)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification as read."""
        notification = self.get_object()
        notifications.mark_read(user=request.user, organisation=request.tenant, pk=notification.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
