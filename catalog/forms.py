import json

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import MEMBER_KINDS, Robot, validate_json_schema
from catalog.services import ROBOT_FIELDS
from tenants.models import OFFICE_ROLES, User


class ListField(forms.CharField):
    """A list of short texts, one per line (or separated by commas)."""

    widget = forms.Textarea(attrs={"rows": 3, "class": "form-input"})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class JsonSchemaField(forms.JSONField):
    widget = forms.Textarea(attrs={"rows": 8, "class": "form-input", "spellcheck": "false"})

    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)

    def validate(self, value):
        super().validate(value)
        validate_json_schema(value)


class CatalogFilterForm(forms.Form):
    """The filters of the catalog list; every field is optional."""

    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    # A free value shown as a select: an unknown system matches nothing rather than being
    # dropped as an invalid choice (which would show every robot).
    system = forms.CharField(label=_("System"), required=False, widget=forms.Select)
    member_kind = forms.ChoiceField(label=_("Suitable for"), required=False)

    def __init__(self, *args, systems: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["kind"].choices = everything + Robot.Kind.choices
        self.fields["category"].choices = everything + Robot.Category.choices
        self.fields["system"].widget.choices = everything + [(name, name) for name in systems]
        self.fields["member_kind"].choices = everything + [(k.value, k.label) for k in MEMBER_KINDS]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-input"
            field.widget.attrs["class"] = css

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


class RobotForm(forms.ModelForm):
    systems = ListField(
        label=_("Systems"), required=False, help_text=_("One per line, e.g. EG Bolig, KMD, SAP.")
    )
    credential_types = ListField(
        label=_("Credential types needed"),
        required=False,
        help_text=_("One per line, e.g. function certificate."),
    )
    member_kinds = forms.MultipleChoiceField(
        label=_("Suitable for"),
        required=False,
        choices=[(k.value, k.label) for k in MEMBER_KINDS],
        widget=forms.CheckboxSelectMultiple,
    )
    parameters_schema = JsonSchemaField(
        label=_("Parameters (JSON Schema)"),
        required=False,
        help_text=_("The parameters a member fills in when ordering, as a JSON Schema."),
    )

    class Meta:
        model = Robot
        fields = list(ROBOT_FIELDS)
        # Danish decimal comma (12,5) on a Danish page.
        localized_fields = ["estimated_minutes_saved"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Links to a robot use its slug: it stays as created.
            self.fields["slug"].disabled = True
        self.fields["owner"].queryset = (
            User.objects.filter(
                is_active=True,
                memberships__organisation__kind="office",
                memberships__role__in=OFFICE_ROLES,
            )
            .distinct()
            .order_by("full_name", "email")
        )
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.FileInput):
                widget.attrs.setdefault("class", "form-file-input")
            elif not isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-input")
            if name.startswith("description"):
                widget.attrs["rows"] = 5

    def clean_parameters_schema(self):
        return self.cleaned_data.get("parameters_schema") or {"type": "object", "properties": {}}

    def changed_fields(self) -> dict:
        """The cleaned values, as the catalog service takes them."""
        data = dict(self.cleaned_data)
        if data.get("process_design_document") is False:
            data["process_design_document"] = ""
        if self.instance.pk:
            data = {name: value for name, value in data.items() if name in self.changed_data}
        return data

    def validate_unique(self):
        # The service validates the robot in full (full_clean), uniqueness included.
        pass

    def _post_clean(self):
        # Model validation happens in the service, so a refused change is reported once.
        pass


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["class"] = "form-input"
        self.fields["file"].widget.attrs["class"] = "form-file-input"


class VersionForm(forms.Form):
    version = forms.CharField(
        label=_("Version"), max_length=100, help_text=_("Semantic version, e.g. 1.4.0.")
    )
    changelog = forms.CharField(label=_("Changelog"), required=False, widget=forms.Textarea)
    git_repository = forms.URLField(
        label=_("Git repository"),
        required=False,
        assume_scheme="https",
        help_text=_("Either a git repository and commit …"),
    )
    git_commit = forms.CharField(label=_("Git commit"), required=False, max_length=40)
    archive = forms.FileField(
        label=_("Package archive"), required=False, help_text=_("… or an uploaded archive.")
    )
    archive_sha256 = forms.CharField(
        label=_("Archive SHA-256"),
        required=False,
        max_length=64,
        help_text=_("The archive's checksum as your build produced it; it is checked on upload."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.FileField):
                field.widget.attrs["class"] = "form-file-input"
            else:
                field.widget.attrs["class"] = "form-input"


class AuditFilterForm(forms.Form):
    """The filters of the audit trail; every field is optional."""

    area = forms.ChoiceField(label=_("Area"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    actor = forms.CharField(label=_("Who (name or e-mail)"), required=False, max_length=200)
    target = forms.CharField(label=_("What (kind or name)"), required=False, max_length=200)
    member = forms.SlugField(label=_("Member (slug)"), required=False)

    def __init__(self, *args, areas, office: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All")), *areas]
        if not office:
            del self.fields["member"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-input"
            field.widget.attrs["class"] = css

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period comes before its start."))
        return cleaned

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        values = dict(self.cleaned_data)
        values["action_prefix"] = values.pop("area")
        return {name: value for name, value in values.items() if value}
