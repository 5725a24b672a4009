"""Office console pages of joining and leaving, and the data-processing register."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.views import apply_errors
from members.lifecycle import selectors, services
from members.lifecycle.forms import (
    AdministratorForm,
    AgreementForm,
    JoinForm,
    LeaveForm,
    ProcessorForm,
    SsoForm,
    TermForm,
)
from members.models import Processor
from tenants.forms import KeyFigureForm
from tenants.permissions import Capability
from tenants.services import site_url
from tenants.views import SiteView

# The forms on a member's page, by the name its template knows them by.
PAGE_FORMS = {
    "key_figure_form": KeyFigureForm,
    "administrator_form": AdministratorForm,
    "sso_form": SsoForm,
    "agreement_form": AgreementForm,
}


def _member(slug):
    return get_object_or_404(selectors.members(), slug=slug)


class OfficeView(SiteView):
    office_only = True
    capability = Capability.VIEW_BILLING


class MemberListView(OfficeView):
    def get(self, request):
        rows = [
            (organisation, selectors.can_order_robots(selectors.checklist(organisation)))
            for organisation in selectors.members().select_related("billing_term")
        ]
        return render(request, "members/member_list.html", {"rows": rows})


class JoinView(OfficeView):
    """Step one of onboarding: the organisation and the date it joins; its site is cloned."""

    capability = Capability.MANAGE_ORGANISATIONS

    def get(self, request):
        return render(request, "members/join.html", {"form": JoinForm()})

    def post(self, request):
        form = JoinForm(request.POST)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            joined_on = fields.pop("joined_on")
            try:
                organisation = services.join_member(
                    actor=request.user, joined_on=joined_on, **fields
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s is created. Complete the checklist before it orders robots.")
                    % {"name": organisation.name},
                )
                return redirect("members:member_detail", slug=organisation.slug)
        return render(request, "members/join.html", {"form": form}, status=400)


def member_page(request, organisation, status=200, **forms):
    items = selectors.checklist(organisation)
    context = {
        "organisation": organisation,
        "site_url": site_url(organisation),
        "checklist": items,
        "ready": selectors.can_order_robots(items),
        "term": selectors.term_of(organisation),
        "departure": selectors.departure_of(organisation),
        "agreements": selectors.agreements_of(organisation),
        "key_figures": organisation.key_figures.all(),
        "today": timezone.localdate(),
    }
    for name, form_class in PAGE_FORMS.items():
        context[name] = forms.get(name) or form_class()
    return render(request, "members/member_detail.html", context, status=status)


class MemberDetailView(OfficeView):
    def get(self, request, slug):
        return member_page(request, _member(slug))


class MemberFormView(OfficeView):
    """A form on the member's page: saved by one service, or shown again with its errors."""

    capability = Capability.MANAGE_ORGANISATIONS
    form_name = ""
    done_message = ""

    def perform(self, request, organisation, data):
        raise NotImplementedError

    def post(self, request, slug):
        organisation = _member(slug)
        form = PAGE_FORMS[self.form_name](request.POST, request.FILES)
        if form.is_valid():
            try:
                self.perform(request, organisation, form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, self.done_message)
                return redirect("members:member_detail", slug=organisation.slug)
        return member_page(request, organisation, status=400, **{self.form_name: form})


class KeyFigureView(MemberFormView):
    capability = Capability.MANAGE_KEY_FIGURES
    form_name = "key_figure_form"

    def perform(self, request, organisation, data):
        services.add_key_figure(organisation=organisation, actor=request.user, **data)
        self.done_message = _("The key figure is saved.")


class AdministratorView(MemberFormView):
    capability = Capability.INVITE_PEOPLE
    form_name = "administrator_form"

    def perform(self, request, organisation, data):
        services.invite_administrator(
            organisation=organisation, email=data["email"], actor=request.user, site=request.tenant
        )
        self.done_message = _("An invitation is on its way to %(email)s.") % {
            "email": data["email"]
        }


class SsoView(MemberFormView):
    form_name = "sso_form"

    def perform(self, request, organisation, data):
        services.set_up_sso(organisation=organisation, actor=request.user, **data)
        self.done_message = _("Single sign-on is set up on the member's site.")


class AgreementView(MemberFormView):
    form_name = "agreement_form"

    def perform(self, request, organisation, data):
        services.add_agreement(organisation=organisation, actor=request.user, **data)
        self.done_message = _("The data-processing agreement is filed.")


class AgreementDocumentView(OfficeView):
    def get(self, request, slug, pk):
        agreement = get_object_or_404(selectors.agreements_of(_member(slug)), pk=pk)
        return FileResponse(
            agreement.document.open("rb"),
            as_attachment=True,
            filename=agreement.document.name.rsplit("/", 1)[-1],
        )


class TermView(OfficeView):
    """A member's membership term: joined and left, which drive pro-rata (finance, admins)."""

    capability = Capability.EDIT_ORGANISATION_DETAILS

    def page(self, request, organisation, form, status=200):
        context = {"organisation": organisation, "form": form}
        return render(request, "members/term_form.html", context, status=status)

    def get(self, request, slug):
        organisation = _member(slug)
        term = selectors.term_of(organisation)
        initial = {"joined_on": term.joined_on, "left_on": term.left_on} if term else {}
        return self.page(request, organisation, TermForm(initial=initial))

    def post(self, request, slug):
        organisation = _member(slug)
        form = TermForm(request.POST)
        if form.is_valid():
            try:
                services.change_term(
                    organisation=organisation, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The membership term is saved."))
                return redirect("members:member_detail", slug=organisation.slug)
        return self.page(request, organisation, form, status=400)


class LeaveView(OfficeView):
    """Record that a member leaves (its button asks for confirmation, naming what happens)."""

    capability = Capability.MANAGE_ORGANISATIONS

    def page(self, request, organisation, form, status=200):
        context = {
            "organisation": organisation,
            "form": form,
            "term": selectors.term_of(organisation),
            "departure": selectors.departure_of(organisation),
        }
        return render(request, "members/leave_form.html", context, status=status)

    def get(self, request, slug):
        return self.page(request, _member(slug), LeaveForm())

    def post(self, request, slug):
        organisation = _member(slug)
        form = LeaveForm(request.POST)
        if form.is_valid():
            try:
                services.record_leaving(
                    organisation=organisation, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("%(name)s's leaving is recorded.") % {"name": organisation.name}
                )
                return redirect("members:member_detail", slug=organisation.slug)
        return self.page(request, organisation, form, status=400)


class RegisterView(OfficeView):
    """The record of processing activities the office keeps as processor (art. 30(2))."""

    def get(self, request, form=None, status=200):
        context = {
            "entries": selectors.register(),
            "processors": selectors.processors(),
            "processor_form": form or ProcessorForm(),
            "history_templates": [
                "members/register_history.html",
                "members/register_history_empty.html",
            ],
        }
        return render(request, "members/register.html", context, status=status)


class ProcessorView(OfficeView):
    """Add, change or remove a processor the office uses (office administrators)."""

    capability = Capability.MANAGE_ORGANISATIONS

    def page(self, request, processor, form, status=200):
        context = {"processor": processor, "form": form}
        return render(request, "members/processor_form.html", context, status=status)

    def get(self, request, pk):
        processor = get_object_or_404(Processor, pk=pk)
        return self.page(request, processor, ProcessorForm(instance=processor))

    def post(self, request, pk=None):
        processor = get_object_or_404(Processor, pk=pk) if pk else None
        if processor is not None and "remove" in request.POST:
            services.remove_processor(processor=processor, actor=request.user)
            messages.success(request, _("The processor is removed."))
            return redirect("members:register")
        # Validated without the instance: the service snapshots it before changing it.
        form = ProcessorForm(request.POST)
        if not form.is_valid():
            if processor is not None:
                return self.page(request, processor, form, status=400)
            return RegisterView().get(request, form=form, status=400)
        services.save_processor(actor=request.user, processor=processor, **form.cleaned_data)
        messages.success(request, _("The processor is saved."))
        return redirect("members:register")
