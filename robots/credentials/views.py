from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.views import apply_errors
from robots.credentials import selectors, services
from robots.credentials.forms import CredentialForm
from robots.credentials.services import EXPIRY_WARNING_DAYS
from tenants.permissions import Capability
from tenants.views import SiteView


class CredentialView(SiteView):
    members_only = True
    capability = Capability.MANAGE_CREDENTIALS


def expiry_state(credential, today) -> str:
    if credential.expires_on is None:
        return ""
    if credential.expires_on < today:
        return "expired"
    if (credential.expires_on - today).days <= EXPIRY_WARNING_DAYS:
        return "soon"
    return ""


class CredentialListView(CredentialView):
    def get(self, request):
        today = timezone.localdate()
        credentials = list(selectors.credentials_for(request.tenant))
        for credential in credentials:
            credential.expiry_state = expiry_state(credential, today)
        return render(request, "credentials/credential_list.html", {"credentials": credentials})


class CredentialCreateView(CredentialView):
    template_name = "credentials/credential_form.html"

    def get(self, request):
        form = CredentialForm(organisation=request.tenant)
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = CredentialForm(request.POST, request.FILES, organisation=request.tenant)
        if form.is_valid():
            try:
                credential = services.create_credential(
                    organisation=request.tenant, actor=request.user, **form.service_arguments()
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("The credential %(name)s is saved.") % {"name": credential.name}
                )
                return redirect("credentials:credential_detail", pk=credential.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class CredentialEditView(CredentialView):
    template_name = "credentials/credential_form.html"

    def get(self, request, pk):
        credential = selectors.credential_for(request.tenant, pk)
        form = CredentialForm(organisation=request.tenant, credential=credential)
        return render(request, self.template_name, {"form": form, "credential": credential})

    def post(self, request, pk):
        credential = selectors.credential_for(request.tenant, pk)
        if "delete" in request.POST:
            services.delete_credential(
                credential=credential, organisation=request.tenant, actor=request.user
            )
            messages.success(
                request, _("The credential %(name)s is deleted.") % {"name": credential.name}
            )
            return redirect("credentials:credential_list")
        form = CredentialForm(
            request.POST, request.FILES, organisation=request.tenant, credential=credential
        )
        if form.is_valid():
            try:
                services.update_credential(
                    credential=credential,
                    organisation=request.tenant,
                    actor=request.user,
                    **form.service_arguments(),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The credential %(name)s is saved.") % {"name": form.cleaned_data["name"]},
                )
                return redirect("credentials:credential_detail", pk=credential.pk)
        return render(
            request, self.template_name, {"form": form, "credential": credential}, status=400
        )


class CredentialDetailView(CredentialView):
    """The credential (never its secrets) and its usage log."""

    def get(self, request, pk):
        credential = selectors.credential_for(request.tenant, pk)
        credential.expiry_state = expiry_state(credential, timezone.localdate())
        return render(
            request,
            "credentials/credential_detail.html",
            {"credential": credential, "uses": selectors.uses_of(credential)},
        )
