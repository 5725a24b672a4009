from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.parameters import ParameterFormMixin
from robots.models import Deployment, Job, Runner
from robots.services import EDITABLE_FIELDS
from tenants.models import Organisation


class RunnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    pool = forms.CharField(label=_("Pool"), max_length=50, initial="default")
    labels = forms.CharField(
        label=_("Labels"),
        required=False,
        help_text=_("Separated by commas, e.g. python, robotframework, sap-gui."),
    )
    operating_system = forms.ChoiceField(
        label=_("Operating system"), choices=Runner.OperatingSystem.choices
    )
    max_concurrency = forms.IntegerField(label=_("Jobs at once"), min_value=1, initial=1)

    def clean_labels(self):
        return [label.strip() for label in self.cleaned_data["labels"].split(",") if label.strip()]


class JobFilterForm(forms.Form):
    """The runs list's filters; a member's site has no member filter and sees only its own
    deployments."""

    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    member = forms.ModelChoiceField(
        label=_("Member"), required=False, queryset=None, to_field_name="slug", empty_label=_("All")
    )
    deployment = forms.ModelChoiceField(
        label=_("Deployment"), required=False, queryset=None, empty_label=_("All")
    )
    runner = forms.ModelChoiceField(
        label=_("Runner"), required=False, queryset=Runner.objects.all(), empty_label=_("All")
    )
    trigger = forms.ChoiceField(
        label=_("Trigger"), required=False, choices=[("", _("All")), *Job.Trigger.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Job.Status.choices]
    )

    def __init__(self, *args, site: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deployment"].queryset = Deployment.objects.order_by("name", "pk")
        if site.is_office:
            self.fields["member"].queryset = Organisation.objects.exclude(
                kind=Organisation.Kind.OFFICE
            ).order_by("name")
        else:
            del self.fields["member"]
            self.fields["deployment"].queryset = self.fields["deployment"].queryset.filter(
                organisation=site
            )

    def filters(self) -> dict:
        """The chosen filters, for ``selectors.filter_jobs`` (nothing when the form is invalid)."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


class RunParametersForm(ParameterFormMixin, forms.Form):
    """Run a deployment once with other parameters: a field per parameter of the robot's
    JSON Schema, filled in with the deployment's own (or a run's)."""

    def __init__(self, *args, deployment: Deployment, parameters: dict | None = None, **kwargs):
        values = deployment.parameters if parameters is None else parameters
        initial = {f"param_{name}": value for name, value in values.items()}
        super().__init__(*args, initial=initial, **kwargs)
        self.add_parameter_fields(deployment.robot_version.robot.parameters_schema)


class DeploymentSettingsForm(forms.ModelForm):
    """The schedule and limits the office sets on a deployment."""

    class Meta:
        model = Deployment
        fields = EDITABLE_FIELDS
        help_texts = {"required_labels": _("Separated by commas, e.g. python, sap-gui.")}
