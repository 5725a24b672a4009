from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.validators import validate_sane_date
from governance.models import GovernanceRecord, validate_systems
from tenants.selectors import process_owner_choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SystemsField(forms.CharField):
    """One system per line: “name: yes|no|unknown” (the contract's status)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                f"{entry.get('system', '')}: {entry.get('contract_allows', '')}"
                for entry in value
                if isinstance(entry, dict)
            )
        return value

    def to_python(self, value):
        text = super().to_python(value)
        systems = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            name, separator, status = line.rpartition(":")
            if not separator or not name.strip():
                raise ValidationError(
                    _("Line %(number)d: write “system name: yes”, “: no” or “: unknown”.")
                    % {"number": number}
                )
            systems.append({"system": name.strip(), "contract_allows": status.strip().lower()})
        validate_systems(systems)
        return systems


class CategoriesField(forms.CharField):
    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value)
        return [part.strip() for part in text.split(",") if part.strip()]


class GovernanceForm(forms.Form):
    process_owner = forms.ModelChoiceField(label=_("Process owner"), queryset=None)
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=GovernanceRecord._meta.get_field("legal_basis").help_text,
    )
    review_due = forms.DateField(
        label=_("Review due"),
        validators=[validate_sane_date],
        widget=DateInput(),
        help_text=GovernanceRecord._meta.get_field("review_due").help_text,
    )
    systems = SystemsField(
        label=_("Systems and their contracts"),
        required=False,
        help_text=_(
            "One system per line, followed by whether its contract allows automation: "
            "“EG Bolig: yes”, “KMD: no” or “SAP: unknown”."
        ),
    )
    personal_data_categories = CategoriesField(
        label=_("Categories of personal data"),
        required=False,
        help_text=_("Separated by commas, e.g. “name, CPR number, health”."),
    )
    dpia_needed = forms.BooleanField(
        label=_("A DPIA is needed"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
        help_text=_("A data protection impact assessment (GDPR art. 35)."),
    )
    dpia_done = forms.BooleanField(
        label=_("The DPIA is done"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, record: GovernanceRecord, **kwargs):
        initial = {
            "process_owner": record.process_owner_id,
            "legal_basis": record.legal_basis,
            "review_due": record.review_due,
            "systems": record.systems,
            "personal_data_categories": record.personal_data_categories,
            "dpia_needed": record.dpia_needed,
            "dpia_done": record.dpia_done,
            "notes": record.notes,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["process_owner"].queryset = process_owner_choices(record.organisation)

    def changed(self) -> dict:
        """Only what the person changed, so an untouched field is never re-validated."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class ReviewForm(forms.Form):
    next_review_due = forms.DateField(
        label=_("Next review due"),
        validators=[validate_sane_date],
        widget=DateInput(),
        help_text=_("When the legal basis must be checked against the law again."),
    )
