import base64
import binascii

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.validators import validate_sane_date
from robots.credentials.models import Credential
from robots.models import Deployment


class Base64Field(serializers.CharField):
    """A certificate file sent as base64 text (JSON has no bytes)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError(_("Send the certificate file as base64.")) from None


def _secret(label, help_text=""):
    return serializers.CharField(
        label=label,
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=help_text or _("Write-only; empty or missing keeps the stored value."),
    )


class CredentialSerializer(serializers.ModelSerializer):
    """A credential without its secrets: those can be written, never read back."""

    allowed_deployments = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Deployment.objects.none()
    )
    password = _secret(_("password"))
    api_key = _secret(_("API key"))
    certificate = Base64Field(
        label=_("certificate file"),
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=_("The certificate file as base64; write-only."),
    )
    certificate_password = _secret(_("certificate password"))
    has_password = serializers.SerializerMethodField()
    has_api_key = serializers.SerializerMethodField()
    has_certificate = serializers.SerializerMethodField()
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Credential
        fields = [
            "id",
            "name",
            "env_name",
            "kind",
            "username",
            "description",
            "expires_on",
            "allowed_deployments",
            "password",
            "api_key",
            "certificate",
            "certificate_filename",
            "certificate_password",
            "has_password",
            "has_api_key",
            "has_certificate",
            "last_used_at",
            "created_at",
            "updated_at",
            "rotated_at",
        ]
        read_only_fields = ["id", "env_name", "created_at", "updated_at", "rotated_at"]
        extra_kwargs = {
            "certificate_filename": {"required": False},
            "expires_on": {"validators": [validate_sane_date]},
        }

    def __init__(self, *args, deployments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if deployments is not None:
            self.fields["allowed_deployments"].child_relation.queryset = deployments
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["kind"].read_only = True

    def get_has_password(self, credential) -> bool:
        return credential.password_token is not None

    def get_has_api_key(self, credential) -> bool:
        return credential.api_key_token is not None

    def get_has_certificate(self, credential) -> bool:
        return credential.certificate_token is not None
