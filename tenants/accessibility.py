"""The accessibility statement's pages: read by anyone on every site, without signing in;
edited by the office's administrators on the office console."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from core import accessibility
from core.models import AccessibilityStatement
from core.views import apply_errors
from tenants import services
from tenants.permissions import Capability, can
from tenants.views import SiteView


class StatementForm(forms.ModelForm):
    class Meta:
        model = AccessibilityStatement
        fields = accessibility.FIELDS
        widgets = {
            "compliance": forms.RadioSelect,
            "prepared_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "reviewed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "non_accessible_content": forms.Textarea(attrs={"rows": 8}),
            "assessment": forms.Textarea(attrs={"rows": 3}),
        }


class StatementView(View):
    """The statement, for everyone (webtilgængelighedsloven: public, linked from every page)."""

    def get(self, request):
        office = services.office()
        context = {
            "statement": accessibility.statement(),
            "office": office,
            "can_edit": request.tenant.is_office
            and can(request.user, request.tenant, Capability.MANAGE_ORGANISATIONS),
        }
        return render(request, "tenants/accessibility_statement.html", context)


class StatementEditView(SiteView):
    office_only = True
    capability = Capability.MANAGE_ORGANISATIONS
    template_name = "tenants/accessibility_statement_form.html"

    def get(self, request):
        form = StatementForm(instance=accessibility.statement())
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = StatementForm(request.POST, instance=accessibility.statement())
        if form.is_valid():
            try:
                accessibility.save_statement(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The accessibility statement is saved."))
                return redirect("accessibility_statement")
        return render(request, self.template_name, {"form": form}, status=400)
