"""The member lifecycle's API (office console): onboard a member, read its checklist, set its
membership term, record its leaving and file its data-processing agreement."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from members.lifecycle import selectors, services
from members.lifecycle.serializers import (
    AgreementSerializer,
    JoinSerializer,
    LeaveSerializer,
    MemberSerializer,
    TermSerializer,
    TermStateSerializer,
)
from tenants.api import OfficeOnly
from tenants.permissions import Capability


def member_data(organisation) -> dict:
    items = selectors.checklist(organisation)
    return MemberSerializer(
        {
            "slug": organisation.slug,
            "name": organisation.name,
            "is_active": organisation.is_active,
            "term": selectors.term_of(organisation),
            "checklist": items,
            "can_order_robots": selectors.can_order_robots(items),
            "departure": selectors.departure_of(organisation),
        }
    ).data


class MemberViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Members of the partnership and their lifecycle (office administrators and finance)."""

    serializer_class = MemberSerializer
    permission_classes = [OfficeOnly]
    lookup_field = "slug"
    queryset = selectors.members().none()
    pagination_class = None

    def get_queryset(self):
        return selectors.members()

    def get_permissions(self):
        self.required_capability = {
            "create": Capability.MANAGE_ORGANISATIONS,
            "leave": Capability.MANAGE_ORGANISATIONS,
            "agreements": Capability.MANAGE_ORGANISATIONS,
            "term": Capability.EDIT_ORGANISATION_DETAILS
            if self.request.method == "PUT"
            else Capability.VIEW_BILLING,
        }.get(self.action, Capability.VIEW_BILLING)
        return super().get_permissions()

    def member(self, slug):
        return get_object_or_404(self.get_queryset(), slug=slug)

    def list(self, request):
        return Response([member_data(organisation) for organisation in self.get_queryset()])

    def retrieve(self, request, slug=None):
        """The member's term, onboarding checklist and leaving."""
        return Response(member_data(self.member(slug)))

    @extend_schema(request=JoinSerializer, responses={201: MemberSerializer})
    def create(self, request):
        """Onboard a new member: its organisation and site (cloned) and the date it joins."""
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        joined_on = fields.pop("joined_on")
        organisation = services.join_member(actor=request.user, joined_on=joined_on, **fields)
        return Response(member_data(organisation), status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=TermStateSerializer)
    @extend_schema(methods=["PUT"], request=TermSerializer, responses=TermStateSerializer)
    @action(detail=True, methods=["get", "put"])
    def term(self, request, slug=None):
        """The membership term (joined on, left on: its last day), which drives pro-rata.
        Changing it takes office administrators or finance; a closed month cannot change."""
        organisation = self.member(slug)
        if request.method == "PUT":
            serializer = TermSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.change_term(
                organisation=organisation, actor=request.user, **serializer.validated_data
            )
        term = selectors.term_of(organisation)
        state = {"joined_on": term and term.joined_on, "left_on": term and term.left_on}
        return Response(TermStateSerializer(state).data)

    @extend_schema(request=LeaveSerializer, responses={201: MemberSerializer})
    @action(detail=True, methods=["post"])
    def leave(self, request, slug=None):
        """Record that the member leaves (its last day, the reason and the decision)."""
        organisation = self.member(slug)
        serializer = LeaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.record_leaving(
            organisation=organisation, actor=request.user, **serializer.validated_data
        )
        organisation.refresh_from_db()
        return Response(member_data(organisation), status=status.HTTP_201_CREATED)

    @extend_schema(request=AgreementSerializer, responses={201: AgreementSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def agreements(self, request, slug=None):
        """File the member's signed data-processing agreement (a PDF, multipart)."""
        organisation = self.member(slug)
        serializer = AgreementSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement = services.add_agreement(
            organisation=organisation, actor=request.user, **serializer.validated_data
        )
        return Response(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)
