from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from billing.models import (
    CostPool,
    Invoice,
    InvoiceLine,
    KeyKind,
    Period,
    RateCard,
    RobotPrice,
    UsageEntry,
)
from catalog.models import Robot
from tenants.models import Organisation


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = [
            "id",
            "month",
            "label",
            "status",
            "financing_model",
            "progress",
            "progress_message",
            "previewed_at",
            "closed_at",
            "exported_at",
        ]
        read_only_fields = fields


class PreviewChangeSerializer(serializers.Serializer):
    before = serializers.IntegerField(allow_null=True, help_text="Total in øre, or none.")
    after = serializers.IntegerField(allow_null=True, help_text="Total in øre, or none.")


class PreviewSerializer(serializers.Serializer):
    changes = serializers.DictField(
        child=PreviewChangeSerializer(),
        help_text="Per organisation id: its total at the last preview and now.",
    )


class RobotPriceSerializer(serializers.ModelSerializer):
    robot = serializers.SlugRelatedField(
        slug_field="slug", queryset=Robot.objects.all(), help_text="The catalog robot's slug."
    )
    robot_minute_price = serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=Decimal(0), help_text="Kroner per minute."
    )

    class Meta:
        model = RobotPrice
        fields = ["robot", "robot_minute_price"]


class RateCardSerializer(serializers.ModelSerializer):
    robot_prices = RobotPriceSerializer(
        many=True,
        required=False,
        help_text="Catalog robots with their own price per minute instead of the card's.",
    )
    robot_minute_tiers = serializers.JSONField(
        required=False,
        help_text=(
            "Graduated tiers for robot minutes at the card's own price, per member and month:"
            ' [{"up_to": 1000, "price": "1.00"}, {"up_to": null, "price": "0.80"}]; limits'
            " increasing, the last without one. Empty: the flat price."
        ),
    )

    def validate_robot_prices(self, prices: list[dict]) -> dict:
        robots = [price["robot"] for price in prices]
        twice = sorted({robot.slug for robot in robots if robots.count(robot) > 1})
        if twice:
            raise serializers.ValidationError(
                _("Each robot can have one price: %(slugs)s is given twice.")
                % {"slugs": ", ".join(twice)}
            )
        return {price["robot"].pk: price["robot_minute_price"] for price in prices}

    class Meta:
        model = RateCard
        fields = [
            "id",
            "name",
            "valid_from",
            "valid_to",
            "robot_minute_price",
            "staff_hour_price",
            "work_item_price",
            "deployment_monthly_fee_ore",
            "runtime_rounding",
            "robot_minute_tiers",
            "robot_prices",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        # The service refuses overlaps with a clear message (the constraint guards races).
        validators = []


class RateCardUpdateSerializer(RateCardSerializer):
    """A card's prices change (until a month billed with it is closed); its validity only
    by ending it."""

    class Meta(RateCardSerializer.Meta):
        read_only_fields = ["id", "created_at", "valid_from", "valid_to"]


class RateCardEndSerializer(serializers.Serializer):
    valid_to = serializers.DateField(help_text="The card's last day (inclusive).")


class CostPoolSerializer(serializers.ModelSerializer):
    period = serializers.PrimaryKeyRelatedField(queryset=Period.objects.all())
    key = serializers.ChoiceField(choices=KeyKind.choices)
    limit_to_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Organisation.Kind.choices),
        required=False,
    )
    limit_to_members = serializers.SlugRelatedField(
        slug_field="slug", many=True, required=False, queryset=Organisation.objects.all()
    )

    class Meta:
        model = CostPool
        fields = [
            "id",
            "period",
            "name",
            "amount_ore",
            "key",
            "key_params",
            "limit_to_kinds",
            "limit_to_members",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        validators = []


class CostPoolUpdateSerializer(CostPoolSerializer):
    """A pool stays in its period; the rest can change while the period is open."""

    period = serializers.PrimaryKeyRelatedField(read_only=True)


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "position",
            "kind",
            "description",
            "quantity",
            "unit",
            "unit_price",
            "amount_ore",
            "pool",
            "deployment",
        ]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    period = serializers.CharField(source="period.label", read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "period",
            "organisation",
            "kind",
            "number",
            "credits",
            "reason",
            "issued_on",
            "due_on",
            "vat_rate",
            "subtotal_ore",
            "vat_ore",
            "total_ore",
            "paid_at",
            "lines",
        ]
        read_only_fields = fields


class CreditNoteRequestSerializer(serializers.Serializer):
    """What to credit of a closed invoice: a reason, the lines (all not yet credited when
    left out) and the corrected amount to bill in the next open month, if any."""

    reason = serializers.CharField(
        max_length=300,
        help_text="Why the invoice is corrected; printed on the credit note.",
        error_messages={
            "blank": _("Give the reason for the correction."),
            "required": _("Give the reason for the correction."),
        },
    )
    lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        help_text="Ids of the invoice's lines to credit; left out: every line not yet credited.",
    )
    rebill_ore = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=10**14,
        help_text="The corrected amount in øre before VAT, billed as an adjustment on the "
        "member's invoice in the next open month; left out when nothing more is owed.",
    )


class UsageEntrySerializer(serializers.ModelSerializer):
    period = serializers.CharField(source="period.label", read_only=True)
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = UsageEntry
        fields = [
            "id",
            "period",
            "organisation",
            "kind",
            "occurred_on",
            "deployment",
            "quantity",
            "unit_price",
            "amount_ore",
            "description",
        ]
        read_only_fields = fields
