from rest_framework import serializers

from members.models import DataProcessingAgreement
from tenants.serializers import OrganisationSerializer


class JoinSerializer(OrganisationSerializer):
    """A new member: the organisation as tenants creates it, and the date it joins."""

    joined_on = serializers.DateField()

    class Meta(OrganisationSerializer.Meta):
        fields = [*OrganisationSerializer.Meta.fields, "joined_on"]


class ChecklistItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()
    optional = serializers.BooleanField()


class DepartureSerializer(serializers.Serializer):
    reason = serializers.CharField()
    decision_reference = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    paused_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class TermSerializer(serializers.Serializer):
    """The membership term: its first day, and its last day (null while a member)."""

    joined_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True, required=False, default=None)


class TermStateSerializer(serializers.Serializer):
    """The membership term as it is; both null when none is recorded yet."""

    joined_on = serializers.DateField(allow_null=True)
    left_on = serializers.DateField(allow_null=True)


class MemberSerializer(serializers.Serializer):
    """A member in the partnership: its term, onboarding checklist and leaving."""

    slug = serializers.CharField()
    name = serializers.CharField()
    is_active = serializers.BooleanField(help_text="False once it has left: its site is closed.")
    term = TermSerializer(allow_null=True)
    checklist = ChecklistItemSerializer(many=True)
    can_order_robots = serializers.BooleanField()
    departure = DepartureSerializer(allow_null=True)


class LeaveSerializer(serializers.Serializer):
    left_on = serializers.DateField(help_text="The member's last day.")
    reason = serializers.CharField(max_length=500)
    decision_reference = serializers.CharField(max_length=200)


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataProcessingAgreement
        fields = ["id", "version", "signed_on", "document", "created_at"]
        read_only_fields = ["id", "created_at"]
