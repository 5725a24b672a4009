from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core import errors
from core.views import apply_errors
from tenants import selectors, services
from tenants.forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    InvitationForm,
    JobLimitForm,
    KeyFigureForm,
    OfficeDetailsForm,
    OrganisationDetailsForm,
    OrganisationForm,
)
from tenants.models import Organisation
from tenants.permissions import Capability, can
from tenants.services import notifications as notifications_service


def unknown_host(request):
    """No organisation answers on this host: a plain 404, never an error page; under /api/
    the API's JSON error body, as every other API answer."""
    if errors.is_api(request):
        return errors.page_not_found(request)
    return render(request, "404.html", status=404)


class SiteView(AccessMixin, View):
    """A page on an organisation's site: signed in, member of this site, with a capability.

    Anonymous visitors are sent to the login page; members of other organisations get 403.
    """

    capability = Capability.VIEW_SITE
    office_only = False
    members_only = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        tenant = request.tenant
        if (self.office_only and not tenant.is_office) or (self.members_only and tenant.is_office):
            raise PermissionDenied
        if not can(request.user, tenant, self.capability):
            raise PermissionDenied(_("You do not have access to this page."))
        return super().dispatch(request, *args, **kwargs)


class OrganisationListView(SiteView, TemplateView):
    office_only = True
    template_name = "tenants/organisation_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organisations"] = selectors.organisations_for_office()
        return context


class OrganisationCreateView(SiteView):
    office_only = True
    capability = Capability.MANAGE_ORGANISATIONS
    template_name = "tenants/organisation_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": OrganisationForm()})

    def post(self, request):
        form = OrganisationForm(request.POST)
        if form.is_valid():
            try:
                organisation = services.provision_organisation(**form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("%(name)s is created.") % {"name": organisation.name})
                return redirect("organisation_detail", slug=organisation.slug)
        return render(request, self.template_name, {"form": form}, status=400)


class OrganisationDetailView(SiteView):
    office_only = True
    template_name = "tenants/organisation_detail.html"

    def context(self, organisation, **extra):
        return {
            "organisation": organisation,
            "site_url": services.site_url(organisation),
            "memberships": selectors.memberships_of(organisation),
            "invitations": selectors.open_invitations_of(organisation),
            "key_figures": organisation.key_figures.all(),
            "invitation_form": InvitationForm(organisation=organisation),
            "key_figure_form": KeyFigureForm(),
            "job_limit_form": JobLimitForm(instance=organisation),
            **extra,
        }

    def get(self, request, slug):
        organisation = get_object_or_404(Organisation, slug=slug)
        return render(request, self.template_name, self.context(organisation))


class DetailsEditView(SiteView):
    """Correct an organisation's invoicing details (office admins and finance; audited)."""

    office_only = True
    capability = Capability.EDIT_ORGANISATION_DETAILS
    template_name = "tenants/organisation_details_form.html"
    form_class = OrganisationDetailsForm

    def organisation(self, slug):
        return get_object_or_404(
            Organisation.objects.exclude(kind=Organisation.Kind.OFFICE), slug=slug
        )

    def done(self, organisation):
        return redirect("organisation_detail", slug=organisation.slug)

    def page(self, request, organisation, form, status=200):
        context = {"organisation": organisation, "form": form}
        return render(request, self.template_name, context, status=status)

    def get(self, request, slug=None):
        organisation = self.organisation(slug)
        return self.page(request, organisation, self.form_class(instance=organisation))

    def post(self, request, slug=None):
        organisation = self.organisation(slug)
        # The form validates a copy, so a refusal leaves nothing half-changed in memory.
        form = self.form_class(request.POST, instance=Organisation.objects.get(pk=organisation.pk))
        if form.is_valid():
            try:
                services.update_organisation_details(
                    organisation=organisation, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The details are saved."))
                return self.done(organisation)
        return self.page(request, organisation, form, status=400)


class OfficeDetailsView(DetailsEditView):
    """The office's own details, with the bank account its invoices name as where to pay."""

    template_name = "tenants/office_details_form.html"
    form_class = OfficeDetailsForm

    def organisation(self, slug):
        return services.office()

    def done(self, organisation):
        return redirect("office_details")


class InviteView(SiteView):
    """Invite a person: office admins to any organisation, member admins to their own."""

    capability = Capability.INVITE_PEOPLE

    def post(self, request, slug=None):
        if request.tenant.is_office:
            organisation = get_object_or_404(Organisation, slug=slug)
            target = redirect("organisation_detail", slug=slug)
        else:
            organisation = request.tenant
            target = redirect("people")
        form = InvitationForm(request.POST, organisation=organisation)
        if form.is_valid():
            services.invite(
                inviter=request.user,
                site=request.tenant,
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
            messages.success(
                request,
                _("An invitation is on its way to %(email)s.")
                % {"email": form.cleaned_data["email"]},
            )
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return target


class KeyFigureCreateView(SiteView):
    office_only = True
    capability = Capability.MANAGE_KEY_FIGURES

    def post(self, request, slug):
        organisation = get_object_or_404(Organisation, slug=slug)
        form = KeyFigureForm(request.POST)
        if form.is_valid():
            services.set_key_figure(organisation=organisation, **form.cleaned_data)
            messages.success(request, _("The key figure is saved."))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect("organisation_detail", slug=slug)


class JobLimitView(SiteView):
    """The office sets how many of a member's jobs run at once."""

    office_only = True
    capability = Capability.OPERATE_ROBOTS

    def post(self, request, slug):
        organisation = get_object_or_404(Organisation, slug=slug)
        form = JobLimitForm(request.POST, instance=Organisation.objects.get(pk=organisation.pk))
        if form.is_valid():
            services.set_job_limit(
                organisation=organisation,
                max_concurrent_jobs=form.cleaned_data["max_concurrent_jobs"],
                actor=request.user,
            )
            messages.success(request, _("The limit is saved."))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect("organisation_detail", slug=slug)


class PeopleView(SiteView):
    members_only = True
    template_name = "tenants/people.html"

    def get(self, request):
        organisation = request.tenant
        return render(
            request,
            self.template_name,
            {
                "memberships": selectors.memberships_of(organisation),
                "invitations": selectors.open_invitations_of(organisation),
                "invitation_form": InvitationForm(organisation=organisation),
            },
        )


class ApiTokenView(SiteView):
    template_name = "tenants/api_tokens.html"

    def get(self, request):
        return self.page(request, ApiTokenForm())

    def page(self, request, form, new_key=None, status=200):
        tokens = selectors.tokens_of(request.user, request.tenant)
        return render(
            request,
            self.template_name,
            {"form": form, "tokens": tokens, "new_key": new_key},
            status=status,
        )

    def post(self, request):
        if "revoke" in request.POST:
            token = get_object_or_404(
                selectors.tokens_of(request.user, request.tenant), pk=request.POST["revoke"]
            )
            services.revoke_api_token(token=token, actor=request.user)
            messages.success(request, _("The token is revoked."))
            return redirect("api_tokens")
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return self.page(request, form, status=400)
        _token, key = services.issue_api_token(
            user=request.user, organisation=request.tenant, name=form.cleaned_data["name"]
        )
        return self.page(request, ApiTokenForm(), new_key=key)


class AcceptInvitationView(View):
    template_name = "tenants/accept_invitation.html"

    def get(self, request, token):
        invitation = services.open_invitation(token)
        return self.page(request, invitation, AcceptInvitationForm())

    def page(self, request, invitation, form, status=200):
        if invitation is None:
            return render(request, "tenants/invitation_invalid.html", status=404)
        return render(
            request, self.template_name, {"invitation": invitation, "form": form}, status=status
        )

    def post(self, request, token):
        invitation = services.open_invitation(token)
        if invitation is None:
            return self.page(request, None, None)
        if invitation.organisation_id != request.tenant.pk:
            raise PermissionDenied
        user = request.user if request.user.is_authenticated else None
        form = AcceptInvitationForm(request.POST) if user is None else None
        if form is not None and not form.is_valid():
            return self.page(request, invitation, form, status=400)
        try:
            user = services.accept_invitation(
                invitation=invitation,
                user=user,
                password=form.cleaned_data["password1"] if form else None,
                full_name=form.cleaned_data["full_name"] if form else "",
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("account_login")
        if not request.user.is_authenticated:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Welcome to %(organisation)s.") % {"organisation": invitation.organisation}
        )
        return redirect("home")


class NotificationListView(SiteView):
    """The person's notifications on this site, newest first; a button marks them read."""

    def get(self, request):
        notifications = list(selectors.inbox(request.user, request.tenant)[:100])
        return render(request, "tenants/notifications.html", {"notifications": notifications})

    def post(self, request):
        notifications_service.mark_read(user=request.user, organisation=request.tenant)
        messages.success(request, _("All notifications are marked as read."))
        return redirect("notifications")


class NotificationBadgeView(SiteView):
    """The unread count next to the link, fetched by htmx so no page pays for it."""

    def get(self, request):
        return render(
            request,
            "tenants/notification_badge.html",
            {"unread": selectors.unread_count(request.user, request.tenant)},
        )
