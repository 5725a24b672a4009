"""Finance pages on the office console, and a member's cost page on its own site."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing import selectors, services, tasks
from billing.forms import (
    CostPoolForm,
    CreditNoteForm,
    KeyFigureImportForm,
    RateCardEndForm,
    RateCardForm,
    RateCardPricesForm,
    TimeEntryForm,
)
from billing.invoicing import MissingKeyFigures, compute_invoices
from billing.models import CostPool, Invoice, Period, RateCard, TimeEntry
from billing.money import format_number
from billing.months import parse_month
from core.tasks import enqueue_in_schema
from core.views import apply_errors, flash_errors
from tenants.permissions import Capability, can
from tenants.views import SiteView


class FinanceView(SiteView):
    """An office finance page: finance and office administrators read it; posting (changing
    anything) takes one of ``post_capabilities`` (by default the finance role's)."""

    office_only = True
    capability = Capability.VIEW_BILLING
    post_capabilities = (Capability.MANAGE_BILLING,)

    def dispatch(self, request, *args, **kwargs):
        if (
            request.method == "POST"
            and request.user.is_authenticated
            and request.tenant.is_office
            and not any(
                can(request.user, request.tenant, capability)
                for capability in self.post_capabilities
            )
        ):
            raise PermissionDenied(_("You do not have access to this page."))
        return super().dispatch(request, *args, **kwargs)


# --- Periods ------------------------------------------------------------------------------


class PeriodListView(FinanceView):
    def get(self, request):
        return render(request, "billing/period_list.html", {"periods": selectors.periods()})

    def post(self, request):
        """Open (or go to) the period of a month given as YYYY-MM."""
        try:
            first_day = parse_month(request.POST.get("month", ""))
        except ValueError:
            messages.error(request, _("Give the month as YYYY-MM."))
            return redirect("billing:period_list")
        return redirect("billing:period_detail", pk=services.get_period(first_day).pk)


def _pools_with_params(pools) -> list[CostPool]:
    """Each pool with its fixed percentages by member name (one query for the names)."""
    pools = list(pools)
    names = dict(selectors.billable_members().values_list("pk", "name"))
    for pool in pools:
        percentages = (pool.key_params or {}).get("percentages") or {}
        pool.percentage_rows = [
            (names.get(int(pk), pk), format_number(value, 2)) for pk, value in percentages.items()
        ]
    return pools


def period_context(period: Period, **extra) -> dict:
    invoices = list(selectors.invoices_of(period))
    names = {str(invoice.organisation_id): invoice.organisation.name for invoice in invoices}
    return {
        "period": period,
        "pools": _pools_with_params(selectors.pools_of(period)),
        "invoices": invoices,
        "names": names,
        "running": 0 < period.progress < 100 and not period.is_final,
        "drafts": sum(1 for invoice in invoices if invoice.number is None),
        **extra,
    }


class PeriodDetailView(FinanceView):
    def get(self, request, pk):
        period = get_object_or_404(Period, pk=pk)
        return render(request, "billing/period_detail.html", period_context(period))


class PeriodPreviewView(FinanceView):
    """Recompute the draft invoices and show what changed since the last preview."""

    def post(self, request, pk):
        period = get_object_or_404(Period, pk=pk)
        try:
            result = services.preview_period(period)
        except MissingKeyFigures as error:
            return _refused(request, period, error)
        except ValidationError as error:
            flash_errors(request, error)
            return redirect("billing:period_detail", pk=period.pk)
        period.refresh_from_db()
        names = dict(selectors.billable_members().values_list("pk", "name"))
        changes = [
            {"name": names.get(pk, pk), **change} for pk, change in result["changes"].items()
        ]
        return render(
            request,
            "billing/period_detail.html",
            period_context(period, changes=changes, previewed=True),
        )


def _refused(request, period: Period, error: MissingKeyFigures):
    return render(
        request,
        "billing/period_detail.html",
        period_context(period, missing=error.missing),
        status=400,
    )


class PeriodCloseView(FinanceView):
    """Start the close in the background; refused up front if key figures are missing.
    Closing a closed period, or one already closing, changes nothing."""

    def post(self, request, pk):
        period = get_object_or_404(Period, pk=pk)
        if period.is_final:
            messages.info(request, _("The period is already closed."))
            return redirect("billing:period_detail", pk=period.pk)
        try:
            compute_invoices(period)
        except MissingKeyFigures as error:
            return _refused(request, period, error)
        services.set_progress(period, 1, _("Waiting for a worker"))
        enqueue_in_schema(tasks.close_period, settings.PUBLIC_SCHEMA_NAME, period.pk)
        messages.success(request, _("The period is being closed."))
        return redirect("billing:period_detail", pk=period.pk)


class PeriodProgressView(FinanceView):
    """The progress bar, polled by the period page while a close runs."""

    def get(self, request, pk):
        period = get_object_or_404(Period, pk=pk)
        return render(
            request,
            "billing/period_progress.html",
            {"period": period, "running": 0 < period.progress < 100 and not period.is_final},
        )


# --- Rate cards ---------------------------------------------------------------------------


class RateCardListView(FinanceView):
    template_name = "billing/rate_card_list.html"

    def page(self, request, form, status=200):
        context = {"rate_cards": selectors.rate_cards(), "form": form}
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.page(request, RateCardForm())

    def post(self, request):
        form = RateCardForm(request.POST)
        if form.is_valid():
            try:
                card = services.create_rate_card(actor=request.user, **form.service_fields())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("%(card)s is created.") % {"card": card})
                return redirect("billing:rate_card_list")
        return self.page(request, form, status=400)


class RateCardEditView(FinanceView):
    """Change a card's prices, its prices per robot and its tiers; refused (with the reason)
    once a month billed with it is closed."""

    template_name = "billing/rate_card_form.html"
    capability = Capability.MANAGE_BILLING

    def page(self, request, card, form, status=200):
        context = {"card": card, "form": form, "billed": services.months_billed_with(card)}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        card = get_object_or_404(selectors.rate_cards(), pk=pk)
        form = RateCardPricesForm(initial=RateCardPricesForm.initial_of(card))
        return self.page(request, card, form)

    def post(self, request, pk):
        card = get_object_or_404(selectors.rate_cards(), pk=pk)
        form = RateCardPricesForm(request.POST)
        if form.is_valid():
            try:
                card = services.update_rate_card(card, actor=request.user, **form.service_fields())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("%(card)s is changed.") % {"card": card})
                return redirect("billing:rate_card_list")
        return self.page(request, card, form, status=400)


class RateCardEndView(FinanceView):
    """End an open-ended rate card (the form beside it on the rate-card list)."""

    def post(self, request, pk):
        card = get_object_or_404(RateCard, pk=pk)
        form = RateCardEndForm(request.POST)
        if not form.is_valid():
            flash_errors(request, ValidationError(form.errors["valid_to"]))
            return redirect("billing:rate_card_list")
        try:
            card = services.end_rate_card(
                card, valid_to=form.cleaned_data["valid_to"], actor=request.user
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(
                request,
                _("%(card)s now ends on %(day)s.")
                % {"card": card.name, "day": date_format(card.valid_to, "SHORT_DATE_FORMAT")},
            )
        return redirect("billing:rate_card_list")


# --- Cost pools ---------------------------------------------------------------------------


class CostPoolCreateView(FinanceView):
    template_name = "billing/cost_pool_form.html"

    def get(self, request, pk):
        period = get_object_or_404(Period, pk=pk)
        return render(request, self.template_name, {"period": period, "form": CostPoolForm()})

    def post(self, request, pk):
        period = get_object_or_404(Period, pk=pk)
        form = CostPoolForm(request.POST)
        if form.is_valid():
            try:
                services.create_cost_pool(period=period, **form.service_fields())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The cost pool is created."))
                return redirect("billing:period_detail", pk=period.pk)
        context = {"period": period, "form": form}
        return render(request, self.template_name, context, status=400)


class CostPoolEditView(FinanceView):
    template_name = "billing/cost_pool_form.html"

    def get(self, request, pk):
        pool = get_object_or_404(CostPool.objects.select_related("period"), pk=pk)
        form = CostPoolForm(initial=CostPoolForm.initial_of(pool))
        context = {"period": pool.period, "pool": pool, "form": form}
        return render(request, self.template_name, context)

    def post(self, request, pk):
        pool = get_object_or_404(CostPool.objects.select_related("period"), pk=pk)
        form = CostPoolForm(request.POST)
        if form.is_valid():
            try:
                services.update_cost_pool(pool, **form.service_fields())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The cost pool is saved."))
                return redirect("billing:period_detail", pk=pool.period_id)
        context = {"period": pool.period, "pool": pool, "form": form}
        return render(request, self.template_name, context, status=400)


class CostPoolDeleteView(FinanceView):
    def post(self, request, pk):
        pool = get_object_or_404(CostPool, pk=pk)
        try:
            services.delete_cost_pool(pool)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("The cost pool is deleted."))
        return redirect("billing:period_detail", pk=pool.period_id)


# --- Credit notes -------------------------------------------------------------------------


class CreditNoteListView(FinanceView):
    """Every credit note with its documents; finance finds an invoice to credit by its
    number (``?invoice=1094``)."""

    def get(self, request):
        number = request.GET.get("invoice", "").strip()
        if number:
            invoice = (
                Invoice.objects.filter(kind=Invoice.Kind.INVOICE, number=int(number)).first()
                if number.isdigit() and len(number) < 19
                else None
            )
            if invoice is not None:
                return redirect("billing:credit_invoice", pk=invoice.pk)
            messages.error(
                request, _("No closed invoice has the number %(number)s.") % {"number": number}
            )
        context = {"credit_notes": selectors.credit_notes(), "number": number}
        return render(request, "billing/credit_note_list.html", context)


class CreditInvoiceView(FinanceView):
    """Credit a closed invoice, all of it or some lines, with the reason and the corrected
    amount to bill in the next open month; the credit note is numbered at once."""

    template_name = "billing/credit_invoice.html"

    def page(self, request, invoice, form=None, status=200):
        credited = selectors.credited_lines(invoice)
        next_month = selectors.next_open_month(invoice.period.month).strftime("%Y-%m")
        if form is None:
            form = CreditNoteForm(invoice=invoice, credited=credited, next_month=next_month)
        context = {
            "invoice": invoice,
            "form": form,
            "credited_rows": [
                (line, credited[line.position])
                for line in invoice.lines.all()
                if line.position in credited
            ],
            "next_month": next_month,
            "can_credit": invoice.is_final and form.fields["lines"].choices,
        }
        return render(request, self.template_name, context, status=status)

    def invoice(self, pk):
        try:
            return selectors.invoice_to_credit(pk)
        except Invoice.DoesNotExist:
            raise Http404 from None

    def get(self, request, pk):
        return self.page(request, self.invoice(pk))

    def post(self, request, pk):
        invoice = self.invoice(pk)
        next_month = selectors.next_open_month(invoice.period.month).strftime("%Y-%m")
        form = CreditNoteForm(
            request.POST,
            invoice=invoice,
            credited=selectors.credited_lines(invoice),
            next_month=next_month,
        )
        if form.is_valid():
            try:
                note, _adjustment = services.credit_invoice(
                    invoice, actor=request.user, **form.service_fields()
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Credit note no. %(note)s is issued for invoice no. %(invoice)s.")
                    % {"note": note.number, "invoice": invoice.number},
                )
                return redirect("billing:credit_note_list")
        return self.page(request, invoice, form, status=400)


# --- Key figures and staff time -----------------------------------------------------------


class KeyFigureListView(FinanceView):
    """Every member's key figures; finance and office administrators import more from a CSV
    file (all lines or none)."""

    post_capabilities = (Capability.MANAGE_BILLING, Capability.MANAGE_KEY_FIGURES)
    template_name = "billing/key_figure_list.html"

    def page(self, request, form, status=200, errors=()):
        context = {"key_figures": selectors.key_figures(), "form": form, "errors": errors}
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.page(request, KeyFigureImportForm())

    def post(self, request):
        form = KeyFigureImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, form, status=400)
        try:
            count = services.import_key_figures(
                form.cleaned_data["file"], source=request.FILES["file"].name[:200]
            )
        except ValidationError as error:
            return self.page(request, form, status=400, errors=error.messages)
        messages.success(request, _("%(count)d key figures are imported.") % {"count": count})
        return redirect("billing:key_figure_list")


class TimeEntryListView(FinanceView):
    template_name = "billing/time_entry_list.html"

    def page(self, request, form, status=200):
        context = {"time_entries": selectors.time_entries()[:200], "form": form}
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.page(request, TimeEntryForm())

    def post(self, request):
        form = TimeEntryForm(request.POST)
        if form.is_valid():
            try:
                services.record_time_entry(staff=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The hours are recorded."))
                return redirect("billing:time_entry_list")
        return self.page(request, form, status=400)


class TimeEntryApproveView(FinanceView):
    def post(self, request, pk):
        entry = get_object_or_404(TimeEntry, pk=pk)
        try:
            services.approve_time_entry(entry, actor=request.user)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("The hours are approved and billed."))
        return redirect("billing:time_entry_list")


# --- A member's costs ---------------------------------------------------------------------


class CostsView(SiteView):
    """A member's cost page: this month so far, past invoices with how each line was
    computed, and its cost per month and per robot (chart and table)."""

    members_only = True
    capability = Capability.VIEW_BILLING

    def get(self, request):
        site = request.tenant
        usage = selectors.usage_for(site)
        history = selectors.cost_history(site)
        months = [month.strftime("%Y-%m") for month in history["months"]]
        robots = history["robots"]
        rows = [
            {
                "month": label,
                "total_ore": history["totals"][index],
                "robots": [amounts[index] for amounts in robots.values()],
            }
            for index, label in enumerate(months)
        ]
        chart = {
            "labels": months,
            "datasets": [
                {"label": _("Total"), "data": [ore / 100 for ore in history["totals"]]},
                *(
                    {"label": name, "data": [ore / 100 for ore in amounts]}
                    for name, amounts in robots.items()
                ),
            ],
        }
        context = {
            "period": selectors.current_period(),
            "usage": usage,
            "summary": selectors.usage_summary(usage),
            "invoices": selectors.invoices_for(site),
            "rows": rows,
            "robot_names": list(robots),
            "chart": chart,
        }
        return render(request, "billing/costs.html", context)
