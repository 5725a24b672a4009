from django import forms
from django.utils.translation import gettext_lazy as _

from intake.models import Idea, ScoringWeights
from intake.scoring import WEIGHT_FIELDS
from intake.services import IDEA_FIELDS


class IdeaForm(forms.ModelForm):
    systems = forms.CharField(
        label=_("Systems involved"),
        required=False,
        help_text=_("Separated by commas, e.g. EG Bolig, e-Boks."),
    )

    class Meta:
        model = Idea
        fields = list(IDEA_FIELDS)
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


class WeightsForm(forms.ModelForm):
    class Meta:
        model = ScoringWeights
        fields = list(WEIGHT_FIELDS)
