from django import forms
from django.utils.translation import gettext_lazy as _

from robots.monitoring.models import Alert
from tenants.models import Organisation


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
