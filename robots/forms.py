from django import forms
from django.utils.translation import gettext_lazy as _

from robots.models import Deployment, Job, Runner
from robots.services import EDITABLE_FIELDS


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
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Job.Status.choices]
    )


class DeploymentSettingsForm(forms.ModelForm):
    """The schedule and limits the office sets on a deployment."""

    class Meta:
        model = Deployment
        fields = EDITABLE_FIELDS
        help_texts = {"required_labels": _("Separated by commas, e.g. python, sap-gui.")}
