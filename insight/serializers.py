"""The insight API's answer: money in whole øre, hours and percentages as decimals."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from insight.models import MinutesBasis


class InsightFiguresSerializer(serializers.Serializer):
    items_done = serializers.IntegerField(help_text="Work items the robot completed.")
    items_handed_back = serializers.IntegerField(help_text="Handed back to manual handling.")
    items_without_estimate = serializers.IntegerField(
        help_text="Completed items without a minutes estimate (valued at nothing)."
    )
    runs = serializers.IntegerField()
    runs_succeeded = serializers.IntegerField()
    success_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    manual_share = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="Percent handed back."
    )
    runtime_hours = serializers.DecimalField(max_digits=14, decimal_places=1)
    hours_saved = serializers.DecimalField(max_digits=14, decimal_places=1)
    fte = serializers.DecimalField(max_digits=10, decimal_places=2)
    value_ore = serializers.IntegerField(help_text="Hours saved × value of a saved hour, øre.")
    cost_ore = serializers.IntegerField(help_text="What was billed, øre.")
    net_ore = serializers.IntegerField(help_text="Value − cost, øre.")
    preliminary = serializers.BooleanField(help_text="Includes a month not closed yet.")


class InsightMonthSerializer(serializers.Serializer):
    month = serializers.CharField(source="label")
    figures = InsightFiguresSerializer()


class InsightRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key")
    name = serializers.CharField()
    detail = serializers.CharField()
    figures = InsightFiguresSerializer()
    payback_months = serializers.IntegerField(source="payback", allow_null=True)
    minutes_per_item = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    minutes_basis = serializers.CharField()
    months = InsightMonthSerializer(
        many=True, source="monthly", help_text="A deployment's months (empty for robots)."
    )


class InsightMemberRowSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2, source="detail")
    figures = InsightFiguresSerializer()


class InsightCostBreakdownSerializer(serializers.Serializer):
    usage_ore = serializers.IntegerField()
    staff_ore = serializers.IntegerField()
    fee_ore = serializers.IntegerField()
    pool_ore = serializers.IntegerField()
    adjustment_ore = serializers.IntegerField()
    vat_ore = serializers.IntegerField()
    total_ore = serializers.IntegerField()


class InsightSerializer(serializers.Serializer):
    total = InsightFiguresSerializer()
    payback_months = serializers.IntegerField(source="payback", allow_null=True)
    preliminary_months = serializers.ListField(child=serializers.CharField())
    cost_breakdown = InsightCostBreakdownSerializer()
    months = InsightMonthSerializer(many=True, source="monthly")


class MemberInsightSerializer(InsightSerializer):
    hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2)
    deployments = InsightRowSerializer(many=True, source="rows")
    missing_estimates = serializers.ListField(child=serializers.CharField())


class PartnershipInsightSerializer(InsightSerializer):
    robots = InsightRowSerializer(many=True)


class InsightIdeaRealisationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="idea.pk")
    title = serializers.CharField(source="idea.title")
    status = serializers.CharField(source="idea.status")
    expected_hours_per_year = serializers.DecimalField(
        max_digits=14, decimal_places=1, source="expected_hours"
    )
    actual_hours_per_year = serializers.DecimalField(
        max_digits=14, decimal_places=1, source="actual_hours", allow_null=True
    )
    realised_percent = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class InsightPipelineSerializer(serializers.Serializer):
    potential_hours_per_year = serializers.DecimalField(
        max_digits=14, decimal_places=1, source="potential_hours"
    )
    realised_hours_per_year = serializers.DecimalField(
        max_digits=14, decimal_places=1, source="realised_hours"
    )
    realised_percent = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    ideas = InsightIdeaRealisationSerializer(many=True)


class InsightSpanSerializer(serializers.Serializer):
    first = serializers.DateField()
    last = serializers.DateField()
    label = serializers.CharField()


class InsightBasisSerializer(serializers.Serializer):
    hours_per_fte = serializers.DecimalField(max_digits=7, decimal_places=1)
    default_hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2)
    explanation = serializers.CharField()


class InsightReportSerializer(serializers.Serializer):
    span = InsightSpanSerializer()
    basis = InsightBasisSerializer()
    member = MemberInsightSerializer(
        required=False, help_text="The member (a member's own site, or ?member= on the office)."
    )
    members = InsightMemberRowSerializer(
        many=True, required=False, help_text="Every member side by side (office only)."
    )
    partnership = PartnershipInsightSerializer()
    pipeline = InsightPipelineSerializer()


class HourlyRateSerializer(serializers.Serializer):
    """What a saved hour is worth to a member; ``PUT`` sets ``hourly_rate`` only."""

    member = serializers.CharField(read_only=True, help_text="The member's slug.")
    hourly_rate = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal(0),
        help_text="DKK per saved hour; applies to every month at once.",
        error_messages={
            "invalid": _("Give the value of an hour in kroner as a number, e.g. 450.00."),
            "min_value": _("The value of an hour cannot be negative."),
        },
    )
    own = serializers.BooleanField(
        read_only=True, help_text="The member set its own (otherwise the default applies)."
    )
    default_hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)


class DeploymentEstimateSerializer(serializers.Serializer):
    """A deployment's own minutes saved per work item; ``PUT`` sets it, ``DELETE`` removes it
    (the catalog robot's estimate applies again)."""

    deployment = serializers.IntegerField(read_only=True)
    member = serializers.CharField(read_only=True, help_text="The member's slug.")
    minutes_saved_per_item = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        min_value=Decimal(0),
        allow_null=True,
        help_text="The deployment's own estimate (null: none, the catalog's applies).",
        error_messages={
            "invalid": _("Give the minutes saved per work item as a number, e.g. 4.5."),
            "min_value": _("Minutes saved cannot be negative."),
        },
    )
    catalog_minutes_saved_per_item = serializers.DecimalField(
        max_digits=7, decimal_places=2, read_only=True, allow_null=True
    )
    basis = serializers.ChoiceField(
        choices=MinutesBasis.choices, read_only=True, help_text="Which estimate applies."
    )
