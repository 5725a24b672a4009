from django import forms
from django.utils.translation import gettext_lazy as _


class EraseForm(forms.Form):
    """The second step of an erasure: the member's short name, typed."""

    confirm = forms.CharField(
        label=_("Type the member's short name to confirm"),
        max_length=42,
        help_text=_("Its schema, files and people are erased; this cannot be undone."),
    )


class ReceiptVerifyForm(forms.Form):
    receipt = forms.FileField(
        label=_("Erasure receipt (JSON)"),
        help_text=_("The receipt file as downloaded; its signature is checked."),
    )
