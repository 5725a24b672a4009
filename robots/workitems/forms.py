import json

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.parameters import ParameterFormMixin
from core.validators import validate_sane_date
from robots import selectors as robot_selectors
from robots.workitems.models import PRIORITY_MAX, PRIORITY_MIN, WorkItem, WorkQueue
from robots.workitems.services import QUEUE_FIELDS, uploads
from tenants import selectors as tenant_selectors

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d-%m-%Y %H:%M", "%d-%m-%Y"]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def datetime_field(label, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=False,
        validators=[validate_sane_date],
        input_formats=DATETIME_FORMATS,
        widget=DateTimeInput(),
        help_text=help_text,
    )


def payload_field(required=False):
    return forms.JSONField(
        label=_("Payload (JSON)"),
        required=required,
        widget=forms.Textarea(attrs={"rows": 6, "class": "form-input rk-json"}),
        help_text=_('A JSON object, e.g. {"lejemål": "12-101"}.'),
    )


class QueueForm(forms.ModelForm):
    payload_schema = forms.JSONField(
        label=_("Payload schema (JSON Schema)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "form-input rk-json"}),
        help_text=WorkQueue._meta.get_field("payload_schema").help_text,
    )

    class Meta:
        model = WorkQueue
        fields = list(QUEUE_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deployment"].queryset = robot_selectors.deployments_for(organisation)

    def clean_payload_schema(self):
        return self.cleaned_data["payload_schema"] or None


class ItemForm(ParameterFormMixin, forms.Form):
    """One item by hand. A queue whose payload schema names its fields gets a field for each
    (as a robot's parameters do on an order) instead of the JSON box."""

    reference = forms.CharField(label=_("Reference"), max_length=200, required=False)
    priority = forms.IntegerField(
        label=_("Priority"),
        initial=0,
        min_value=PRIORITY_MIN,
        max_value=PRIORITY_MAX,
        help_text=_("Higher is taken first (0–1000)."),
    )
    deadline = datetime_field(_("Deadline"))
    defer_until = datetime_field(_("Not before"), _("Robots leave the item until then."))
    payload = payload_field()

    def __init__(self, *args, queue: WorkQueue | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        schema = (queue.payload_schema if queue else None) or {}
        self.schema = schema
        if schema.get("properties"):
            del self.fields["payload"]
            self.add_parameter_fields(schema)

    def clean_payload(self):
        payload = self.cleaned_data["payload"]
        return {} if payload is None else payload

    def item_fields(self) -> dict:
        """What ``services.add_item`` takes: the payload from the schema's fields, if any."""
        data = {name: self.cleaned_data[name] for name in ("reference", "priority", "deadline")}
        data["defer_until"] = self.cleaned_data["defer_until"]
        if "payload" in self.fields:
            data["payload"] = self.cleaned_data["payload"]
        else:
            data["payload"] = self.parameters()
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_(
            "One row per item, e.g. saved from Excel as “CSV (semikolonsepareret)”. Columns "
            "become payload fields; the columns reference, priority, deadline and defer_until "
            "(in Danish: reference, prioritet, frist, udskyd til) set the item's own fields."
        ),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        uploads.check_size(file.size)  # before the file is read into memory
        return file


class ItemFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("A reference, or field=value to search the payload."),
    )

    def __init__(self, *args, statuses=None, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = statuses or WorkItem.Status.choices
        self.fields["status"].choices = [("", _("All")), *statuses]


class ManualFilterForm(ItemFilterForm):
    queue = forms.ModelChoiceField(
        label=_("Queue"), required=False, queryset=WorkQueue.objects.all(), empty_label=_("All")
    )
    mine = forms.BooleanField(label=_("Only items assigned to me"), required=False)


class IdsField(forms.Field):
    """The ids of the ticked rows (checkboxes named ``items``)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": _("Choose at least one item.")}

    def to_python(self, value):
        try:
            return sorted({int(pk) for pk in value or []})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Choose items from the list.")) from None


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("assign", _("Assign")),
        ("resolve", _("Resolve")),
        ("close", _("Close")),
    ]
    items = IdsField(label=_("Items"))
    action = forms.ChoiceField(choices=ACTIONS, label=_("Action"))
    user = forms.TypedChoiceField(coerce=int, required=False, label=_("Assign to"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {
            membership.user_id: membership.user
            for membership in tenant_selectors.memberships_of(organisation)
        }
        self.fields["user"].choices = [("", _("Nobody")), *self.people.items()]

    def assignee(self):
        return self.people.get(self.cleaned_data.get("user"))


class ResubmitForm(ParameterFormMixin, forms.Form):
    """Back to the robot with a corrected payload, field by field: a field for each property
    of the queue's payload schema if it names them (as a robot's parameters on an order),
    else one for each field of the item's payload and one to add a field. Text stays text;
    a value that was a number, a list or an object is edited as JSON."""

    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, item: WorkItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.original = dict(item.payload or {})
        schema = item.queue.payload_schema or {}
        self.schema = None
        self.keys: dict[str, str] = {}
        if schema.get("properties"):
            self.add_parameter_fields(schema)
            for name in schema["properties"]:
                if name in self.original:
                    self.initial.setdefault(f"param_{name}", self.original[name])
        else:
            for index, (key, value) in enumerate(self.original.items()):
                text = isinstance(value, str)
                self.keys[f"field_{index}"] = key
                self.fields[f"field_{index}"] = forms.CharField(
                    label=key,
                    required=False,
                    initial=value if text else json.dumps(value, ensure_ascii=False),
                    help_text="" if text else _("A JSON value (a number, true/false, a list)."),
                )
            self.fields["new_name"] = forms.CharField(
                label=_("New field: name"), required=False, max_length=200
            )
            self.fields["new_value"] = forms.CharField(label=_("New field: value"), required=False)
        self.fields["note"] = self.fields.pop("note")

    def clean(self):
        cleaned = super().clean()
        for name, key in self.keys.items():
            raw = cleaned.get(name, "")
            if raw and not isinstance(self.original[key], str):
                try:
                    cleaned[name] = json.loads(raw)
                except ValueError:
                    self.add_error(name, _("Not a valid JSON value."))
        if cleaned.get("new_value") and not cleaned.get("new_name"):
            self.add_error("new_name", _("Name the new field."))
        return cleaned

    def payload(self) -> dict:
        """The corrected payload: fields left empty are left out."""
        if self.schema:
            kept = {k: v for k, v in self.original.items() if k not in self.schema["properties"]}
            return {**kept, **self.parameters()}
        payload = {
            key: self.cleaned_data[name]
            for name, key in self.keys.items()
            if self.cleaned_data[name] not in ("", None)
        }
        if self.cleaned_data.get("new_name"):
            payload[self.cleaned_data["new_name"]] = self.cleaned_data["new_value"]
        return payload


class HandleForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("assign_me", _("Assign to me")),
            ("resolve", _("Resolve")),
            ("close", _("Close")),
        ]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class QueueBulkForm(forms.Form):
    """Items of a queue chosen on its page, and what to do with them."""

    ACTIONS = [("retry", _("Try again")), ("delete", _("Delete"))]

    items = IdsField()
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
