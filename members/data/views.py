"""Pages of a member's data: its exports (the member's administrators on its site, the
office's administrators on the office console), and on the office console its erasure and
the erasure receipt."""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from core.tasks import enqueue_in_schema
from core.views import apply_errors, flash_errors
from members.data import selectors, tasks
from members.data import services as data
from members.data.forms import EraseForm, ReceiptVerifyForm
from members.models import ErasureReceipt, MemberExport
from tenants.permissions import Capability
from tenants.views import SiteView

ZIP = "application/zip"
JSON = "application/json"


class DataView(SiteView):
    """A base for the export pages: the member whose data it is comes from the URL on the
    office console and is the site itself on a member's site."""

    capability = Capability.EXPORT_MEMBER_DATA

    def member(self, pk=None):
        if self.request.tenant.is_office:
            return get_object_or_404(selectors.members(), pk=pk)
        return self.request.tenant

    def export(self, pk) -> MemberExport:
        """Another organisation's export is not found on a member's site."""
        return get_object_or_404(selectors.exports_for(self.request.tenant), pk=pk)


def namespace(request) -> str:
    """The URL namespace of these pages on the site asked: the office's or a member's."""
    return "members" if request.tenant.is_office else "member_data"


def member_context(request, organisation, **extra) -> dict:
    context = {
        "organisation": organisation,
        "exports": selectors.exports_of(organisation),
        "office_site": request.tenant.is_office,
        "ns": namespace(request),
        **extra,
    }
    if request.tenant.is_office:
        context["receipt"] = selectors.receipt_of(organisation)
        context["refusals"] = data.erasure_refusals(organisation)
        context.setdefault("erase_form", EraseForm())
    return context


class MemberListView(DataView):
    office_only = True

    def get(self, request):
        return render(request, "members/data/data_list.html", {"members": selectors.members()})


class MemberDataView(DataView):
    def get(self, request, pk=None):
        organisation = self.member(pk)
        return render(request, "members/data/data.html", member_context(request, organisation))


class ExportRequestView(DataView):
    def post(self, request, pk=None):
        organisation = self.member(pk)
        try:
            export = data.request_export(
                actor=request.user, site=request.tenant, organisation=organisation
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            enqueue_in_schema(tasks.build_export, settings.PUBLIC_SCHEMA_NAME, export.pk)
            messages.success(request, _("The export is being built."))
        if request.tenant.is_office:
            return redirect("members:data", pk=organisation.pk)
        return redirect("member_data:data")


class ExportProgressView(DataView):
    """The export's row, polled by the page while the archive is built."""

    def get(self, request, pk):
        context = {"export": self.export(pk), "ns": namespace(request)}
        return render(request, "members/data/export_row.html", context)


class ExportDownloadView(DataView):
    def get(self, request, pk):
        export = self.export(pk)
        if export.status != MemberExport.Status.READY or not data.export_path(export).is_file():
            raise Http404
        data.record_download(export=export, actor=request.user)
        response = FileResponse(
            data.export_path(export).open("rb"),
            as_attachment=True,
            filename=export.download_name,
            content_type=ZIP,
        )
        response["Digest"] = f"sha-256={export.sha256}"
        return response


class EraseView(DataView):
    """Erase a member that left (office administrators): refused with the reasons, and
    nothing changed, unless it may be erased and the short name is typed."""

    office_only = True
    capability = Capability.ERASE_MEMBER_DATA

    def post(self, request, pk):
        organisation = self.member(pk)
        form = EraseForm(request.POST)
        if form.is_valid():
            try:
                receipt = data.start_erasure(
                    actor=request.user,
                    site=request.tenant,
                    organisation=organisation,
                    confirm=form.cleaned_data["confirm"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                enqueue_in_schema(tasks.erase_member, settings.PUBLIC_SCHEMA_NAME, receipt.pk)
                messages.success(request, _("The member is being erased."))
                return redirect("members:data", pk=organisation.pk)
        context = member_context(request, organisation, erase_form=form)
        return render(request, "members/data/data.html", context, status=400)


def receipt_response(receipt: ErasureReceipt) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data.receipt_document(receipt), indent=2, ensure_ascii=False),
        content_type=JSON,
    )
    name = f"{receipt.organisation.slug}-erasure-receipt-{receipt.pk}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ReceiptDownloadView(DataView):
    office_only = True

    def get(self, request, pk):
        receipt = get_object_or_404(ErasureReceipt, pk=pk, status=ErasureReceipt.Status.DONE)
        return receipt_response(receipt)


class ReceiptLinkView(View):
    """The receipt by the signed link e-mailed to the member's former administrators (their
    accounts are gone, so no sign-in)."""

    def get(self, request, token):
        if not request.tenant.is_office:
            raise PermissionDenied
        receipt = data.receipt_from_token(token)
        if receipt is None:
            raise Http404
        return receipt_response(receipt)


class ReceiptVerifyView(DataView):
    """Check a downloaded receipt's signature."""

    office_only = True

    def get(self, request):
        return render(request, "members/data/receipt_verify.html", {"form": ReceiptVerifyForm()})

    def post(self, request):
        form = ReceiptVerifyForm(request.POST, request.FILES)
        valid, document = None, None
        if form.is_valid():
            try:
                document = json.loads(form.cleaned_data["receipt"].read())
            except (ValueError, UnicodeDecodeError):
                form.add_error("receipt", _("This is not a receipt (JSON) file."))
            else:
                valid = isinstance(document, dict) and data.verify(document)
        status = 200 if form.is_valid() and valid is not None else 400
        return render(
            request,
            "members/data/receipt_verify.html",
            {"form": form, "valid": valid, "document": document if valid else None},
            status=status,
        )
