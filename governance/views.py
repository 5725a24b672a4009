from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit
from core.views import apply_errors
from governance import selectors, services
from governance.forms import GovernanceForm, ReviewForm
from governance.models import GovernanceRecord
from tenants.views import SiteView

HISTORY_LABELS = {
    "governance.record.created": gettext_lazy("put the process on the register"),
    "governance.record.updated": gettext_lazy("changed"),
    "governance.record.reviewed": gettext_lazy("reviewed the legal basis"),
}


def history_of(record: GovernanceRecord) -> list:
    fields = {field.name: field.verbose_name for field in GovernanceRecord._meta.concrete_fields}
    order = list(fields)
    events = list(audit.history(record))
    for event in events:
        event.label = HISTORY_LABELS.get(event.action, event.action)
        if event.action == "governance.record.updated":
            # The stored changes lose their order (jsonb); name them as the form does.
            changed = sorted(event.changes, key=lambda n: order.index(n) if n in order else 99)
            names = ", ".join(str(fields.get(name, name)) for name in changed)
            event.label = f"{event.label}: {names}"
    return events


class GovernanceListView(SiteView):
    """The register: the member's processes; on the office console every member's."""

    def get(self, request):
        records = selectors.records_for(request.tenant)
        due_only = request.GET.get("due") == "1"
        if due_only:
            records = selectors.due(records)
        return render(
            request,
            "governance/record_list.html",
            {"records": records, "due_only": due_only, "due_days": selectors.DUE_WITHIN_DAYS},
        )


def render_detail(request, record, *, form=None, review_form=None, status=200):
    editable = services.may_edit(record, request.user, request.tenant)
    context = {
        "record": record,
        "editable": editable,
        "form": form or (GovernanceForm(record=record) if editable else None),
        "review_form": review_form or (ReviewForm() if editable else None),
        "history": history_of(record),
    }
    return render(request, "governance/record_detail.html", context, status=status)


class GovernanceDetailView(SiteView):
    def get(self, request, pk):
        return render_detail(request, selectors.record_for(request.tenant, pk))


class GovernanceEditView(SiteView):
    def post(self, request, pk):
        record = selectors.record_for(request.tenant, pk)
        form = GovernanceForm(request.POST, record=record)
        if form.is_valid():
            try:
                services.update_record(record, request.user, site=request.tenant, **form.changed())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The governance record is saved."))
                return redirect("governance:record_detail", pk=pk)
        return render_detail(request, record, form=form, status=400)


class GovernanceReviewView(SiteView):
    def post(self, request, pk):
        record = selectors.record_for(request.tenant, pk)
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                record = services.mark_reviewed(
                    record,
                    request.user,
                    form.cleaned_data["next_review_due"],
                    site=request.tenant,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The review is recorded."))
                return redirect("governance:record_detail", pk=pk)
        return render_detail(request, record, review_form=form, status=400)
