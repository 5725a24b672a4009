from rest_framework import serializers

from core.validators import validate_sane_date
from governance.models import (
    SYSTEM_NAME_MAX_LENGTH,
    SYSTEMS_MAX,
    ContractStatus,
    GovernanceRecord,
)
from tenants.models import User
from tenants.selectors import process_owner_choices


class GovernanceSystemSerializer(serializers.Serializer):
    system = serializers.CharField(max_length=SYSTEM_NAME_MAX_LENGTH)
    contract_allows = serializers.ChoiceField(
        choices=ContractStatus.choices,
        help_text="Whether the system's contract allows a robot to use it.",
    )


class GovernanceRecordSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    name = serializers.CharField(read_only=True, help_text="The deployment's name or idea's title.")
    deployment = serializers.PrimaryKeyRelatedField(read_only=True)
    idea = serializers.PrimaryKeyRelatedField(read_only=True)
    process_owner = serializers.SlugRelatedField(
        slug_field="email",
        queryset=User.objects.none(),
        help_text="E-mail of a process owner or administrator of the member.",
    )
    systems = GovernanceSystemSerializer(many=True, required=False, max_length=SYSTEMS_MAX)
    personal_data_categories = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=30
    )
    overdue = serializers.BooleanField(
        source="is_overdue", read_only=True, help_text="The review date has passed."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.instance, GovernanceRecord):
            # Only the member's own process owners and administrators can be named.
            self.fields["process_owner"].queryset = process_owner_choices(
                self.instance.organisation
            )

    class Meta:
        model = GovernanceRecord
        fields = [
            "id",
            "organisation",
            "name",
            "deployment",
            "idea",
            "process_owner",
            "legal_basis",
            "review_due",
            "overdue",
            "last_reviewed_at",
            "systems",
            "personal_data_categories",
            "dpia_needed",
            "dpia_done",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["last_reviewed_at", "created_at", "updated_at"]
        extra_kwargs = {"review_due": {"validators": [validate_sane_date]}}


class ReviewedSerializer(serializers.Serializer):
    next_review_due = serializers.DateField(
        validators=[validate_sane_date],
        help_text="When the legal basis must be reviewed again (after today).",
    )
