from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tenants import services
from tenants.models import ApiToken, KeyFigure, Membership, Notification, Organisation, User
from tenants.validators import BUYER_REFERENCE_TOO_LONG


class KeyFigureSerializer(serializers.ModelSerializer):
    class Meta:
        model = KeyFigure
        fields = ["kind", "value", "valid_from", "source"]


class OrganisationSerializer(serializers.ModelSerializer):
    domains = serializers.SlugRelatedField(many=True, read_only=True, slug_field="domain")

    class Meta:
        model = Organisation
        fields = [
            "id",
            *services.ORGANISATION_FIELDS,
            "is_active",
            "max_concurrent_jobs",
            "domains",
            "created_at",
        ]
        read_only_fields = ["id", "is_active", "max_concurrent_jobs", "domains", "created_at"]
        # Uniqueness is decided by the provisioning service (slug, domain and schema together).
        extra_kwargs = {
            "slug": {"validators": []},
            "buyer_reference": {"error_messages": {"max_length": BUYER_REFERENCE_TOO_LONG}},
        }


class OrganisationDetailsSerializer(serializers.ModelSerializer):
    """A member's invoicing details, corrected after creation (slug and kind stay)."""

    class Meta:
        model = Organisation
        fields = list(services.MEMBER_DETAIL_FIELDS)
        extra_kwargs = {
            "buyer_reference": {"error_messages": {"max_length": BUYER_REFERENCE_TOO_LONG}}
        }


class JobLimitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["max_concurrent_jobs"]
        extra_kwargs = {"max_concurrent_jobs": {"required": True}}


class MembershipSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Membership
        fields = ["organisation", "role"]


class CurrentUserSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "memberships"]
        read_only_fields = ["id", "email", "memberships"]


class ApiTokenSerializer(serializers.ModelSerializer):
    """A personal API token as listed: never its key, nor the key's hash."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "key_prefix", "created_at", "expires_at", "last_used_at"]
        read_only_fields = ["id", "key_prefix", "created_at", "last_used_at"]

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError(_("The expiry must be in the future."))
        return value


class NewApiTokenSerializer(ApiTokenSerializer):
    """A token just created: the one and only time its plain key is shown."""

    key = serializers.CharField(
        read_only=True, help_text="The secret key. Shown once; store it now."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "text", "url", "created_at", "read_at"]
        read_only_fields = fields
