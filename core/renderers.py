"""The project's one form-rendering layer: Det Fælles Designsystem (DKFDS) for every form.

Fields render through templates/django/forms/field.html (label, hint, errors tied to the
control by aria-describedby; a checkbox with its label right after it), and each control gets
its DKFDS class here, whatever a form set: a checkbox without .form-checkbox and its label
is drawn 0×0 by DKFDS's reset, and one with .form-input is no checkbox at all.
"""

from django.forms.renderers import TemplatesSetting

# The DKFDS class of each kind of control; text-like inputs, selects and textareas fall back
# to .form-input / .form-select, and keep any extra classes a form gives them.
CONTROL_CLASSES = {
    "checkbox": "form-checkbox",
    "radio": "form-radio",
    "file": "form-file-input",
}
NO_CLASS = {"hidden"}


def _with_class(attrs: dict, kind: str, default: str) -> dict:
    if kind in NO_CLASS:
        return attrs
    wanted = CONTROL_CLASSES.get(kind)
    given = attrs.get("class", "").split()
    if wanted:
        # A checkbox or radio button is drawn by DKFDS only with its own class.
        others = [name for name in given if name not in ("form-input", "form-select")]
        classes = [wanted, *(name for name in others if name != wanted)]
    elif any(name.startswith("form-") for name in given):
        classes = given
    else:
        classes = [default, *given]
    return {**attrs, "class": " ".join(classes)}


class DesignSystemRenderer(TemplatesSetting):
    form_template_name = "django/forms/div.html"
    field_template_name = "django/forms/field.html"

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if isinstance(widget, dict) and "attrs" in widget:
            self._classify(widget, template_name)
        return super().render(template_name, context, request=request)

    def _classify(self, widget: dict, template_name: str) -> None:
        optgroups = widget.get("optgroups")
        if optgroups is not None:
            # A choice widget: a select, or a group of checkboxes or radio buttons.
            options = [
                option for _group, group_options, _index in optgroups for option in group_options
            ]
            if "checkbox" in template_name or "radio" in template_name:
                # The class goes on each option, none on the group's wrapper.
                widget["attrs"] = {k: v for k, v in widget["attrs"].items() if k != "class"}
                for option in options:
                    option["attrs"] = _with_class(option["attrs"], option["type"], "form-input")
                return
            widget["attrs"] = _with_class(widget["attrs"], "select", "form-select")
            return
        kind = widget.get("type") or ""  # none for a textarea
        widget["attrs"] = _with_class(widget["attrs"], kind, "form-input")
        for subwidget in widget.get("subwidgets", []):
            subwidget["attrs"] = _with_class(
                subwidget["attrs"], subwidget.get("type", ""), "form-input"
            )
