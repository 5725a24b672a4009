import json
from datetime import time

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from catalog.parameters import ParameterFormMixin
from robots import recurrence
from robots.models import Deployment, Job, Runner
from robots.schedules import validate_cron
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


class ScheduleFieldsMixin:
    """A schedule chosen as people say it (every weekday at 06:00, every week on Monday,
    every month on the 1st) rather than typed as cron; the cron field (``schedule_field``)
    stays for experts and is what the form's cleaned data hands on. A form that posts only
    the cron field (no ``schedule_frequency``) is read as before."""

    schedule_field = "proposed_schedule"

    def add_schedule_fields(self, expression: str = "") -> None:
        chosen = recurrence.from_cron(expression)
        at = time(chosen["hour"], chosen["minute"]) if "hour" in chosen else time(6, 0)
        added = {
            "schedule_frequency": forms.ChoiceField(
                label=_("Runs"),
                required=False,
                choices=recurrence.Frequency.CHOICES,
                initial=chosen["frequency"],
            ),
            "schedule_time": forms.TimeField(
                label=_("At (time of day)"),
                required=False,
                initial=at,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                help_text=_("Danish time."),
            ),
            "schedule_weekday": forms.TypedChoiceField(
                label=_("On (every week)"),
                required=False,
                coerce=int,
                choices=list(WEEKDAYS.items()),
                initial=chosen.get("weekday", 0),
            ),
            "schedule_day": forms.IntegerField(
                label=_("On day of the month (every month)"),
                required=False,
                min_value=1,
                max_value=28,
                initial=chosen.get("day", 1),
            ),
        }
        added["schedule_frequency"].widget.attrs["data-schedule-fields"] = json.dumps(
            self._fields_by_frequency()
        )
        cron = self.fields[self.schedule_field]
        cron.label = _("Cron expression (for experts)")
        cron.help_text = _(
            "Only with “Cron expression”: minute, hour, day of month, month and day of week, "
            "e.g. “0 6 * * 1-5” (06:00 on weekdays)."
        )
        cron.validators = []  # checked in clean, when it is the choice
        self.initial.setdefault(self.schedule_field, expression)
        fields = {}
        for name, field in self.fields.items():
            if name == self.schedule_field:
                fields.update(added)
            fields[name] = field
        self.fields = fields

    def _fields_by_frequency(self) -> dict[str, list[str]]:
        """The fields (their names in the page) each kind of schedule uses; the page shows
        only the chosen kind's (static/js/app.js)."""
        at = ["schedule_time"]
        uses = {
            recurrence.Frequency.NONE: [],
            recurrence.Frequency.DAILY: at,
            recurrence.Frequency.WEEKDAYS: at,
            recurrence.Frequency.WEEKLY: [*at, "schedule_weekday"],
            recurrence.Frequency.MONTHLY: [*at, "schedule_day"],
            recurrence.Frequency.CRON: [self.schedule_field],
        }
        return {kind: [self.add_prefix(name) for name in names] for kind, names in uses.items()}

    def clean(self):
        cleaned = super().clean()
        frequency = cleaned.get("schedule_frequency") or recurrence.Frequency.CRON
        if frequency == recurrence.Frequency.CRON:
            expression = (cleaned.get(self.schedule_field) or "").strip()
            try:
                validate_cron(expression)
            except ValidationError as error:
                self.add_error(self.schedule_field, error)
            else:
                cleaned[self.schedule_field] = expression
            return cleaned
        if frequency == recurrence.Frequency.NONE:
            cleaned[self.schedule_field] = ""
            return cleaned
        needed = {"schedule_time": cleaned.get("schedule_time")}
        if frequency == recurrence.Frequency.WEEKLY:
            needed["schedule_weekday"] = cleaned.get("schedule_weekday")
        if frequency == recurrence.Frequency.MONTHLY:
            needed["schedule_day"] = cleaned.get("schedule_day")
        missing = [name for name, value in needed.items() if value in (None, "")]
        for name in missing:
            if name not in self.errors:
                self.add_error(name, _("This field is required."))
        if not missing:
            at = needed["schedule_time"]
            cleaned[self.schedule_field] = recurrence.to_cron(
                frequency,
                hour=at.hour,
                minute=at.minute,
                weekday=needed.get("schedule_weekday"),
                day=needed.get("schedule_day"),
            )
        return cleaned
