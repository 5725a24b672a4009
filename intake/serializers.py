from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from intake.models import Idea, IdeaComment, ScoringWeights
from intake.scoring import WEIGHT_FIELDS
from intake.services import IDEA_FIELDS
from tenants.models import User


class ScoreSerializer(serializers.Serializer):
    suitability = serializers.DecimalField(max_digits=4, decimal_places=1)
    readiness = serializers.DecimalField(max_digits=4, decimal_places=1)
    total = serializers.DecimalField(max_digits=4, decimal_places=1)


class BusinessCaseSerializer(serializers.Serializer):
    hours_per_year = serializers.DecimalField(max_digits=12, decimal_places=1)
    fte = serializers.DecimalField(max_digits=8, decimal_places=2)
    value_per_year = serializers.DecimalField(max_digits=14, decimal_places=2)
    build_cost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    payback_months = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)


class DuplicateSerializer(serializers.Serializer):
    """Another member's similar idea: only what a member may see of it."""

    id = serializers.IntegerField(source="idea.pk")
    title = serializers.CharField(source="idea.title")
    organisation = serializers.CharField(source="idea.organisation.slug")
    status = serializers.ChoiceField(source="idea.status", choices=Idea.Status.choices)
    similarity = serializers.DecimalField(max_digits=4, decimal_places=3)


class IdeaSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    systems = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=30
    )
    assignee = serializers.SerializerMethodField()
    score = ScoreSerializer(read_only=True)
    business_case = BusinessCaseSerializer(source="figures", read_only=True)
    participants = serializers.IntegerField(source="participant_count", read_only=True)
    possible_duplicates = DuplicateSerializer(source="duplicates", many=True, read_only=True)
    robot = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Idea
        fields = [
            "id",
            "organisation",
            *IDEA_FIELDS,
            "status",
            "rejection_reason",
            "assignee",
            "estimated_build_hours",
            "participants",
            "score",
            "business_case",
            "possible_duplicates",
            "robot",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "organisation",
            "status",
            "rejection_reason",
            "estimated_build_hours",
            "created_at",
        ]

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_assignee(self, idea) -> str | None:
        return idea.assignee.email if idea.assignee else None


class MoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Idea.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AssessSerializer(serializers.Serializer):
    assignee = serializers.SlugRelatedField(
        slug_field="email",
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="E-mail of a person on the office's staff.",
    )
    estimated_build_hours = serializers.DecimalField(
        max_digits=7, decimal_places=1, min_value=0, allow_null=True, required=False
    )


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = IdeaComment
        fields = ["id", "author", "text", "created_at"]
        read_only_fields = ["id", "author", "created_at"]

    def get_author(self, comment) -> str:
        return str(comment.author)


class ScoringWeightsSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoringWeights
        fields = list(WEIGHT_FIELDS)
