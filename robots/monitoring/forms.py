from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from robots.monitoring.models import Alert
from tenants.models import Organisation, User


class AlertFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), ("active", _("Open or acknowledged")), *Alert.State.choices],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *Alert.Kind.choices]
    )
    member = forms.ChoiceField(label=_("Member"), required=False)
    assignee = forms.ChoiceField(
        label=_("Assignee"),
        required=False,
        choices=[("", _("All")), ("me", _("Mine")), ("none", _("No one"))],
    )

    def __init__(self, *args, site: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        if site.is_office:
            members = Organisation.objects.exclude(kind=Organisation.Kind.OFFICE).order_by("name")
            self.fields["member"].choices = [
                ("", _("All")),
                *members.values_list("slug", "name"),
            ]
        else:
            del self.fields["member"]


class AlertBulkForm(forms.Form):
    """Several alerts at once: acknowledge them or give them to someone (or to no one)."""

    ACTIONS = [("acknowledge", _("Acknowledge")), ("assign", _("Assign to"))]

    alerts = forms.ModelMultipleChoiceField(label=_("Alerts"), queryset=None)
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), required=False, queryset=None, empty_label=_("No one")
    )

    def __init__(self, *args, alerts: QuerySet[Alert], assignees: QuerySet[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alerts"].queryset = alerts
        self.fields["assignee"].queryset = assignees
