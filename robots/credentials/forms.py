from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import validate_sane_date
from robots.credentials.models import Credential
from robots.credentials.selectors import deployment_choices


class DeploymentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def secret_input():
    # Never rendered back: a secret is typed, stored encrypted and not shown again.
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})


class CredentialForm(forms.Form):
    """Create (with kind) or edit a credential. Blank secrets on edit keep the stored ones."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Credential.Kind.choices)
    username = forms.CharField(label=_("Username"), max_length=200, required=False)
    password = forms.CharField(label=_("Password"), required=False, widget=secret_input())
    api_key = forms.CharField(label=_("API key"), required=False, widget=secret_input())
    certificate = forms.FileField(
        label=_("Certificate file"),
        required=False,
        help_text=_("For example the robot's function certificate (.p12 or .pem)."),
    )
    certificate_password = forms.CharField(
        label=_("Certificate password"), required=False, widget=secret_input()
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        validators=[validate_sane_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("An alert goes to process owners and administrators 30 days ahead."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    allowed_deployments = DeploymentChoiceField(
        label=_("May be used by"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only jobs of these deployments get the credential."),
    )

    def __init__(self, *args, organisation, credential: Credential | None = None, **kwargs):
        self.credential = credential
        if credential is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": credential.name,
                    "kind": credential.kind,
                    "username": credential.username,
                    "expires_on": credential.expires_on,
                    "description": credential.description,
                    "allowed_deployments": [d.pk for d in credential.allowed_deployments.all()],
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["allowed_deployments"].queryset = deployment_choices(organisation)
        if credential is not None:
            # The kind is fixed once created; secrets not of that kind do not apply.
            self.fields["kind"].disabled = True
            for field in ("password", "api_key", "certificate", "certificate_password"):
                self.fields[field].help_text = _("Leave empty to keep the stored value.")

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        upload = data.pop("certificate", None)
        if upload:
            data["certificate"] = upload.read()
            data["certificate_filename"] = upload.name
        if self.credential is not None:
            data.pop("kind")
        return data
