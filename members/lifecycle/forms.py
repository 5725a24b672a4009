from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import DataProcessingAgreement, Processor
from tenants.forms import OrganisationForm
from tenants.services.sso import PROVIDERS


def _date(label, **kwargs):
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs
    )


class JoinForm(OrganisationForm):
    """A new member: the organisation as tenants creates it, and the date it joins."""

    joined_on = _date(
        _("Joins on"),
        help_text=_("Its first day as a member: billing shares out the month from this day."),
    )


class TermForm(forms.Form):
    joined_on = _date(_("Joined on"))
    left_on = _date(
        _("Left on"), required=False, help_text=_("Its last day as a member. Blank: a member.")
    )

    def clean(self):
        data = super().clean()
        joined_on, left_on = data.get("joined_on"), data.get("left_on")
        if joined_on and left_on and left_on < joined_on:
            self.add_error("left_on", _("A member cannot leave before it joined."))
        return data


class LeaveForm(forms.Form):
    left_on = _date(
        _("Last day as a member"),
        help_text=_(
            "Its deployments are paused on this day and retired after it; its site closes "
            "the day after."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    decision_reference = forms.CharField(
        label=_("Decision reference"),
        max_length=200,
        help_text=_("Where the decision is recorded, e.g. the board meeting and item number."),
    )


class AgreementForm(forms.ModelForm):
    class Meta:
        model = DataProcessingAgreement
        fields = ["version", "signed_on", "document"]
        widgets = {"signed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class AdministratorForm(forms.Form):
    email = forms.EmailField(label=_("The administrator's e-mail address"))


class SsoForm(forms.Form):
    provider = forms.ChoiceField(
        label=_("Protocol"),
        choices=[(PROVIDERS[0], "OpenID Connect"), (PROVIDERS[1], "SAML")],
    )
    name = forms.CharField(
        label=_("Text on the sign-in button"), max_length=40, help_text=_("E.g. Aarhus AD.")
    )
    client_id = forms.CharField(
        label=_("Client id (OpenID Connect) or entity id (SAML)"), max_length=191, required=False
    )
    secret = forms.CharField(
        label=_("Client secret (OpenID Connect)"),
        max_length=191,
        required=False,
        widget=forms.PasswordInput,
    )
    server_url = forms.URLField(
        label=_("Issuer URL (OpenID Connect)"), required=False, assume_scheme="https"
    )
    metadata_url = forms.URLField(
        label=_("Metadata URL (SAML)"), required=False, assume_scheme="https"
    )


class ProcessorForm(forms.ModelForm):
    class Meta:
        model = Processor
        fields = ["name", "service", "location"]
