from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.parameters import ParameterFormMixin
from orders import selectors
from orders.models import Order
from robots.forms import ScheduleFieldsMixin
from robots.schedules import validate_cron
from tenants import selectors as tenants_selectors


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.version


class OrderForm(ParameterFormMixin, ScheduleFieldsMixin, forms.Form):
    robot_version = VersionChoiceField(label=_("Version"), queryset=None, empty_label=None)
    process_owner = forms.ModelChoiceField(
        label=_("Process owner"),
        queryset=None,
        help_text=_("Owns the automated process and its legal basis in your organisation."),
    )
    proposed_schedule = forms.CharField(
        label=_("Proposed schedule (cron)"),
        required=False,
        validators=[validate_cron],
        help_text=Order._meta.get_field("proposed_schedule").help_text,
    )
    note = forms.CharField(
        label=_("What should the robot do for you?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, robot, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["robot_version"].queryset = selectors.orderable_versions(robot)
        self.fields["process_owner"].queryset = tenants_selectors.process_owner_choices(
            organisation
        )
        self.add_parameter_fields(robot.parameters_schema)
        self.add_schedule_fields(self.initial.get("proposed_schedule", ""))


class ConfigureForm(ParameterFormMixin, ScheduleFieldsMixin, forms.Form):
    robot_version = VersionChoiceField(label=_("Version"), queryset=None, empty_label=None)
    proposed_schedule = forms.CharField(
        label=_("Schedule (cron)"), required=False, validators=[validate_cron]
    )

    def __init__(self, *args, order: Order, **kwargs):
        initial = {
            "robot_version": order.robot_version_id,
            "proposed_schedule": order.proposed_schedule,
        } | {f"param_{name}": value for name, value in order.parameters.items()}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["robot_version"].queryset = selectors.orderable_versions(order.robot)
        self.add_parameter_fields(order.robot.parameters_schema)
        self.add_schedule_fields(order.proposed_schedule)


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))
