from django import forms
from django.utils.translation import gettext_lazy as _

from intake.models import Idea, ScoringWeights


class IdeaForm(forms.ModelForm):
    systems = forms.CharField(
        label=_("Systems involved"),
        required=False,
        help_text=_("Separated by commas, e.g. EG Bolig, e-Boks."),
    )

    class Meta:
        model = Idea
        fields = [
            "title",
            "description",
            "volume_per_month",
            "minutes_per_case",
            "rule_based",
            "digital_input",
            "systems",
            "systems_change",
            "exception_rate",
            "legal_basis",
            "contract_allows",
            "personal_data",
            "personal_data_categories",
            "urgency",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_systems(self):
        return [part.strip() for part in self.cleaned_data["systems"].split(",") if part.strip()]


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"), choices=Idea.Status.choices)
    reason = forms.CharField(label=_("Reason (when rejecting)"), required=False)

    def __init__(self, *args, choices=None, **kwargs):
        """``choices``: the statuses offered (the allowed moves); the service decides anyway."""
        super().__init__(*args, **kwargs)
        if choices is not None:
            self.fields["to"].choices = [
                (value, label) for value, label in Idea.Status.choices if value in choices
            ]


class AssessForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=None, required=False)
    estimated_build_hours = forms.DecimalField(
        label=_("Estimated build hours"), required=False, min_value=0, decimal_places=1
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


WEIGHT_FIELDS = [
    "rule_based",
    "digital_input",
    "system_stability",
    "exception_rate",
    "volume",
    "legal_basis",
    "contract",
    "personal_data",
    "urgency",
    "suitability_share",
    "full_volume_hours",
    "hourly_rate",
    "staff_hourly_rate",
    "hours_per_fte",
]


class WeightsForm(forms.ModelForm):
    class Meta:
        model = ScoringWeights
        fields = WEIGHT_FIELDS
