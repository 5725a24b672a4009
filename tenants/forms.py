from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from tenants import permissions, services
from tenants.models import KeyFigure, Organisation
from tenants.validators import BUYER_REFERENCE_TOO_LONG


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = list(services.ORGANISATION_FIELDS)
        help_texts = {"slug": _("The organisation's site will be <slug>.<domain>.")}
        error_messages = {"buyer_reference": {"max_length": BUYER_REFERENCE_TOO_LONG}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].choices = [
                choice
                for choice in Organisation.Kind.choices
                if choice[0] != Organisation.Kind.OFFICE
            ]

    def validate_unique(self):
        # Uniqueness (slug, domain, schema) is decided by the provisioning service.
        pass


class OrganisationDetailsForm(OrganisationForm):
    """A member's invoicing details after creation: the creation form without slug and kind."""

    class Meta(OrganisationForm.Meta):
        fields = list(services.MEMBER_DETAIL_FIELDS)


class OfficeDetailsForm(forms.ModelForm):
    """The office's own details, with the bank account its invoices name as where to pay."""

    class Meta:
        model = Organisation
        fields = list(services.OFFICE_DETAIL_FIELDS)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = permissions.allowed_roles(organisation)
        self.fields["role"].choices = [
            (value, label) for value, label in permissions.Role.choices if value in allowed
        ]


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password (again)"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        if data.get("password1"):
            validate_password(data["password1"])
        return data


class KeyFigureForm(forms.ModelForm):
    class Meta:
        model = KeyFigure
        fields = ["kind", "value", "valid_from", "source"]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"})}


class JobLimitForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["max_concurrent_jobs"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
