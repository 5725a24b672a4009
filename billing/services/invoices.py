"""Invoices: preview and close a period (its invoices computed, written and numbered),
and credit notes that correct a closed invoice."""

import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.invoicing import compute_invoices
from billing.models import (
    Adjustment,
    BillingSettings,
    Invoice,
    InvoiceLine,
    Period,
    UsageEntry,
    UsageTotal,
)
from billing.money import round_half_up
from billing.months import add_months
from billing.services import stripe_sync
from billing.services.periods import (
    billing_settings,
    ensure_open,
    open_period_for,
)
from billing.services.usage import record_period_usage
from core import audit
from tenants.models import Organisation

logger = logging.getLogger(__name__)


# Parameters: the period, the kind (Invoice.Kind.INVOICE), the time, then the drafts' columns.
_INSERT_INVOICES = f"""
    INSERT INTO {Invoice._meta.db_table} (period_id, organisation_id, kind, reason, vat_status,
        vat_rate, subtotal_ore, vat_ore, total_ore, created_at)
    SELECT %s, organisation_id, %s, '', vat_status, vat_rate, subtotal_ore, vat_ore,
        total_ore, %s
    FROM unnest(%s::bigint[], %s::text[], %s::numeric[], %s::bigint[], %s::bigint[],
        %s::bigint[]) AS draft (organisation_id, vat_status, vat_rate, subtotal_ore, vat_ore,
        total_ore)
    RETURNING organisation_id, id
"""


def _copy_text(value: str) -> str:
    """A value for COPY's text format: backslashes, tabs, newlines and carriage returns
    escaped (str.replace is several times faster than str.translate here)."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


_COPY_LINES = (
    f"COPY {InvoiceLine._meta.db_table} (invoice_id, position, kind, description, quantity, unit,"
    " unit_price, amount_ore, pool_id, deployment_id) FROM STDIN"
)


def _write_drafts(period: Period) -> dict[str, dict[str, int]]:
    """Replace the period's draft invoices with freshly computed ones; returns the totals per
    member (organisation id as text) as ``{"subtotal_ore", "total_ore"}``.

    A fixed number of statements whatever the number of members: the invoices in one
    INSERT, their (tens of thousands of) lines in one COPY, without a model object for each.
    A member with nothing to bill (no usage, no pool share, no adjustment) gets no invoice:
    it would never be sent, and numbering it would leave a gap in the issued series.
    """
    drafts = compute_invoices(period)
    drafts.invoices = {
        organisation_id: draft
        for organisation_id, draft in drafts.invoices.items()
        if draft.lines or draft.pool_lines or draft.adjustments
    }
    stale = Invoice.objects.filter(period=period, kind=Invoice.Kind.INVOICE, number__isnull=True)
    InvoiceLine.objects.filter(invoice__in=stale).delete()
    stale.delete()
    totals = {}
    columns = ([], [], [], [], [], [])
    for draft in drafts.invoices.values():
        subtotal = draft.subtotal_ore
        vat = round_half_up(subtotal * draft.vat_rate)
        totals[str(draft.organisation_id)] = {"subtotal_ore": subtotal, "total_ore": subtotal + vat}
        for column, value in zip(
            columns,
            (
                draft.organisation_id,
                draft.vat_status,
                draft.vat_rate,
                subtotal,
                vat,
                subtotal + vat,
            ),
            strict=True,
        ):
            column.append(value)
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_INVOICES, [period.pk, Invoice.Kind.INVOICE, timezone.now(), *columns]
        )
        invoice_ids = dict(cursor.fetchall())
        with cursor.copy(_COPY_LINES) as copy:
            write = copy.write_row
            for organisation_id, draft in drafts.invoices.items():
                invoice_id = invoice_ids[organisation_id]
                after_pools = len(draft.lines) + draft.pool_lines
                lines = enumerate(draft.lines, start=1)
                adjustments = enumerate(draft.adjustments, start=after_pools + 1)
                for position, line in (*lines, *adjustments):
                    write(
                        (
                            invoice_id,
                            position,
                            line.kind,
                            line.description[:500],
                            line.quantity,
                            line.unit,
                            line.unit_price,
                            line.amount_ore,
                            line.pool_id,
                            line.deployment_id,
                        )
                    )
            # The pool lines (most of them) straight from the splits' columns, as COPY text.
            kind, percent = InvoiceLine.Kind.POOL_SHARE.value, {}
            for split in drafts.pools:
                heading, pool_id, rows = split.heading, split.pool_id, []
                for member, position, share, hundredths, basis in zip(
                    split.members,
                    split.positions,
                    split.shares,
                    split.hundredths,
                    split.basis,
                    strict=True,
                ):
                    if hundredths not in percent:
                        percent[hundredths] = f"{hundredths // 100},{hundredths % 100:02d} %"
                    description = f"{heading}{percent[hundredths]} ({basis})"[:500]
                    rows.append(
                        f"{invoice_ids[member]}\t{position}\t{kind}"
                        f"\t{_copy_text(description)}\t1\tandel"
                        f"\t{share // 100}.{share % 100:02d}\t{share}\t{pool_id}\t\\N\n"
                    )
                copy.write("".join(rows))
    return totals


@transaction.atomic
def preview_period(period: Period) -> dict[str, Any]:
    """Recompute the draft invoices; returns what changed per member since the last preview:
    ``{"changes": {organisation id: {"before": total or None, "after": total or None}}}``."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    ensure_open(period)
    totals = _write_drafts(period)
    before = period.last_preview or {}
    changes = {}
    for key in sorted(set(before) | set(totals), key=int):
        old = before.get(key, {}).get("total_ore")
        new = totals.get(key, {}).get("total_ore")
        if old != new:
            changes[int(key)] = {"before": old, "after": new}
    period.last_preview = totals
    period.previewed_at = timezone.now()
    period.status = Period.Status.PREVIEW
    period.save(update_fields=["last_preview", "previewed_at", "status"])
    return {"changes": changes}


def _numbering() -> tuple[BillingSettings, date, date]:
    """The locked invoice counter, today and the due date of an invoice issued today."""
    counter = BillingSettings.objects.select_for_update().get(pk=billing_settings().pk)
    issued_on = timezone.localdate()
    return counter, issued_on, issued_on + timedelta(days=counter.payment_days)


def _number_drafts(period: Period) -> list[tuple[int, int]]:
    """Number the period's draft invoices gap-free from the locked counter, in the order of
    the members' names (then ids), in one UPDATE; returns their (id, organisation id)."""
    counter, issued_on, due_on = _numbering()
    invoices, members = Invoice._meta.db_table, Organisation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {invoices} SET number = %s + ranked.place - 1, issued_on = %s,
                due_on = %s
            FROM (
                SELECT invoice.id, row_number() OVER (ORDER BY member.name, member.id) AS place
                FROM {invoices} invoice
                JOIN {members} member ON member.id = invoice.organisation_id
                WHERE invoice.period_id = %s AND invoice.kind = %s AND invoice.number IS NULL
            ) AS ranked
            WHERE {invoices}.id = ranked.id
            RETURNING {invoices}.id, {invoices}.organisation_id
            """,
            [counter.next_invoice_number, issued_on, due_on, period.pk, Invoice.Kind.INVOICE],
        )
        numbered = cursor.fetchall()
    counter.next_invoice_number += len(numbered)
    counter.save(update_fields=["next_invoice_number"])
    return numbered


# The month's ledger and its running totals, each summed in one pass without grouping: the
# started minutes, the same weighted by a number for each group (so minutes moved from one
# member to another change it), the runtime seconds and the work items. Parameters: the
# runtime kind, the work-items kind, the period (for the ledger); the period (for the totals).
_GROUP_WEIGHT = (
    "(organisation_id * 1000003 + coalesce(deployment_id, 0) * 1009 + coalesce(robot_id, 0) + 1)"
)
_CHECKSUMS = f"""
    SELECT 1, sum(started_minutes), sum(started_minutes * {_GROUP_WEIGHT}),
        sum(quantity) FILTER (WHERE kind = %s), sum(quantity) FILTER (WHERE kind = %s)
    FROM {UsageEntry._meta.db_table}
    WHERE period_id = %s AND kind IN (%s, %s)
    UNION ALL
    SELECT 2, sum(started_minutes), sum(started_minutes * {_GROUP_WEIGHT}), sum(runtime_seconds),
        sum(work_items)
    FROM {UsageTotal._meta.db_table}
    WHERE period_id = %s
    ORDER BY 1
"""

# Only when the checksums differ: the ledger summed per group (one GROUP BY) against the
# totals; the members whose groups disagree. Parameters as for _CHECKSUMS.
_TOTALS_DISAGREEING = f"""
    SELECT coalesce(ledger.organisation_id, total.organisation_id)
    FROM (
        SELECT organisation_id, coalesce(deployment_id, 0) AS deployment_id,
            coalesce(robot_id, 0) AS robot_id, sum(started_minutes) AS started_minutes,
            sum(quantity) FILTER (WHERE kind = %s) AS runtime_seconds,
            sum(quantity) FILTER (WHERE kind = %s) AS work_items
        FROM {UsageEntry._meta.db_table}
        WHERE period_id = %s AND kind IN (%s, %s)
        GROUP BY 1, 2, 3
    ) AS ledger
    FULL JOIN (
        SELECT organisation_id, coalesce(deployment_id, 0) AS deployment_id,
            coalesce(robot_id, 0) AS robot_id, started_minutes, runtime_seconds, work_items
        FROM {UsageTotal._meta.db_table}
        WHERE period_id = %s
    ) AS total USING (organisation_id, deployment_id, robot_id)
    WHERE (ledger.started_minutes, ledger.runtime_seconds, ledger.work_items)
        IS DISTINCT FROM (total.started_minutes, total.runtime_seconds, total.work_items)
"""


class TotalsDisagree(ValidationError):
    """The running totals a close bills from do not equal the ledger's sums."""


def verify_usage_totals(period: Period) -> None:
    """Refuse (``TotalsDisagree``, naming the members) when the running totals of the
    period's usage differ from the ledger's sums: someone changed them behind the ledger's
    back (the database refuses it unless its triggers were switched off).

    Cheap: one pass over the month's entries without grouping (about the cost of the raw
    ``GROUP BY`` the totals spare the close), compared with the same sums of the totals. It
    catches any change of the sums and any started minutes moved between groups; seconds
    or work items moved between groups with their sums kept are not caught. Only when the
    sums differ is the ledger grouped, to name the members."""
    runtime, items = UsageEntry.Kind.RUNTIME.value, UsageEntry.Kind.WORK_ITEMS.value
    parameters = [runtime, items, period.pk, runtime, items, period.pk]
    with connection.cursor() as cursor:
        cursor.execute(_CHECKSUMS, parameters)
        (_ledger, *ledger), (_totals, *totals) = cursor.fetchall()
        if ledger == totals:
            return
        cursor.execute(_TOTALS_DISAGREEING, parameters)
        disagreeing = sorted({organisation_id for (organisation_id,) in cursor.fetchall()})
    names = Organisation.objects.filter(pk__in=disagreeing).order_by("name")
    raise TotalsDisagree(
        _(
            "The period cannot be closed: the running totals of usage do not agree with "
            "the usage ledger for %(members)s. Nothing was changed; see docs/database.md "
            "on how the totals are kept."
        )
        % {"members": ", ".join(names.values_list("name", flat=True))}
    )


def set_progress(period: Period, percent: int, message: str) -> None:
    """Progress of a close for a page to poll; written in its own transaction."""
    if not Period.objects.filter(pk=period.pk, status__in=Period.FINAL).exists():
        Period.objects.filter(pk=period.pk).update(progress=percent, progress_message=message)


@transaction.atomic
def close_period(period: Period) -> Period:
    """Compute the invoices one last time, number them and close the period.

    Closing a closed period changes nothing. Refused (nothing changed) with the list of
    missing key figures if a pool cannot be split, and naming the members whose running
    totals of usage disagree with the ledger if any do. Usage is booked beforehand by
    ``record_period_usage`` (the task and the command do both).
    """
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.is_final:
        return period
    verify_usage_totals(period)
    _write_drafts(period)
    invoices = _number_drafts(period)
    stripe_sync.enqueue_pushes(invoices)
    period.status = Period.Status.CLOSED
    period.closed_at = timezone.now()
    period.progress = 100
    period.progress_message = _("Closed")
    period.save(update_fields=["status", "closed_at", "progress", "progress_message"])
    logger.info("Closed billing period %s: %d invoices", period.label, len(invoices))
    return period


def close_period_with_progress(period: Period, report: Callable[[int, str], None]) -> Period:
    """What the task and the command run: book the month's usage, then close.

    A refused close (``ValidationError``, re-raised) puts the period's progress back as it
    was before, so the period page does not show a close still running."""
    if period.is_final:
        return period
    before = Period.objects.values_list("progress", "progress_message").get(pk=period.pk)
    try:
        report(10, _("Booking usage"))
        record_period_usage(period)
        report(50, _("Computing invoices"))
        return close_period(period)
    except ValidationError:
        Period.objects.filter(pk=period.pk).update(progress=before[0], progress_message=before[1])
        raise


def _credited_so_far(invoice: Invoice) -> tuple[set[int], int, int]:
    """The positions of the invoice's lines already credited, and the subtotal and VAT of
    its credit notes so far. A credit note's lines keep the positions of the lines they
    credit."""
    notes = list(invoice.credit_notes.prefetch_related("lines"))
    positions = {line.position for note in notes for line in note.lines.all()}
    return (
        positions,
        sum(note.subtotal_ore for note in notes),
        sum(note.vat_ore for note in notes),
    )


def credit_note_vat(subtotal: int, rate, credited_subtotal: int, credited_vat: int) -> int:
    """The VAT of a credit note of ``subtotal`` øre: the invoice's rule (``rate``, half-up)
    applied to everything credited of the invoice so far, less the VAT of its earlier credit
    notes. So the credit notes of an invoice add up to its VAT exactly once all of it is
    credited, never to more, and each is within an øre of its own subtotal × rate."""
    return round_half_up((credited_subtotal + subtotal) * rate) - credited_vat


def _lines_to_credit(invoice: Invoice, line_ids, credited: set[int]) -> list[InvoiceLine]:
    """The chosen lines of the invoice (every line not yet credited when none are named);
    refused, naming them, for lines of another invoice or lines already credited."""
    lines = list(invoice.lines.order_by("position"))
    if line_ids is None:
        chosen = [line for line in lines if line.position not in credited]
        if not chosen:
            raise ValidationError(_("This invoice has already been credited."))
        return chosen
    line_ids = list(line_ids)
    if not line_ids:
        raise ValidationError({"lines": _("Choose at least one line to credit.")})
    if len(set(line_ids)) != len(line_ids):
        raise ValidationError({"lines": _("A line is listed more than once.")})
    by_id = {line.pk: line for line in lines}
    foreign = [str(pk) for pk in line_ids if pk not in by_id]
    if foreign:
        raise ValidationError(
            {
                "lines": _("Not lines of invoice no. %(number)s: %(lines)s.")
                % {"number": invoice.number, "lines": ", ".join(foreign)}
            }
        )
    again = sorted(by_id[pk].position for pk in line_ids if by_id[pk].position in credited)
    if again:
        raise ValidationError(
            {
                "lines": _("Already credited, so they cannot be credited again: line %(lines)s.")
                % {"lines": ", ".join(map(str, again))}
            }
        )
    return sorted((by_id[pk] for pk in line_ids), key=lambda line: line.position)


@transaction.atomic
def credit_invoice(
    invoice: Invoice,
    *,
    reason: str,
    lines=None,
    rebill_ore: int | None = None,
    actor=None,
) -> tuple[Invoice, Adjustment | None]:
    """Correct a closed invoice: a numbered credit note for the chosen lines (``lines``:
    ids of the invoice's lines; every line not yet credited when None) in the first open
    period after the invoice's, and (if ``rebill_ore`` is given) the right amount, before
    VAT, re-billed there as an adjustment on the member's invoice. Audited.

    A line is credited at most once. The VAT credited is the invoice's VAT rule applied to
    everything credited so far (half-up) less the VAT of the earlier credit notes, so the
    credit notes of an invoice never add up to more than the invoice, to the øre. Refused
    (nothing saved) for a draft or a credit note, an empty reason, a negative amount, lines
    of another invoice or lines already credited. A member that has left the partnership
    is credited like any other."""
    invoice = Invoice.objects.select_for_update().select_related("period").get(pk=invoice.pk)
    if invoice.kind != Invoice.Kind.INVOICE or not invoice.is_final:
        raise ValidationError(_("Only a closed invoice can be credited."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if rebill_ore is not None and rebill_ore < 0:
        raise ValidationError({"rebill_ore": _("The amount to bill cannot be negative.")})
    credited, credited_subtotal, credited_vat = _credited_so_far(invoice)
    chosen = _lines_to_credit(invoice, lines, credited)
    subtotal = sum(line.amount_ore for line in chosen)
    vat = credit_note_vat(subtotal, invoice.vat_rate, credited_subtotal, credited_vat)
    period = open_period_for(add_months(invoice.period.month, 1))
    counter = BillingSettings.objects.select_for_update().get(pk=billing_settings().pk)
    note = Invoice.objects.create(
        period=period,
        organisation_id=invoice.organisation_id,
        kind=Invoice.Kind.CREDIT_NOTE,
        credits=invoice,
        reason=reason.strip(),
        vat_status=invoice.vat_status,
        vat_rate=invoice.vat_rate,
        subtotal_ore=subtotal,
        vat_ore=vat,
        total_ore=subtotal + vat,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=note,
            position=line.position,
            kind=InvoiceLine.Kind.CREDIT,
            description=f"Kreditering af faktura {invoice.number}: {line.description}"[:500],
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            amount_ore=line.amount_ore,
            pool_id=line.pool_id,
            deployment_id=line.deployment_id,
        )
        for line in chosen
    )
    # Numbered from the same gap-free counter as the invoices; no due date: nothing is paid.
    note.number, note.issued_on = counter.next_invoice_number, timezone.localdate()
    note.save(update_fields=["number", "issued_on"])
    counter.next_invoice_number += 1
    counter.save(update_fields=["next_invoice_number"])
    adjustment = None
    if rebill_ore is not None:
        adjustment = Adjustment.objects.create(
            period=period,
            organisation_id=invoice.organisation_id,
            amount_ore=rebill_ore,
            corrects=invoice,
            description=(
                f"Korrektion af faktura {invoice.number} ({invoice.period.label}): {reason.strip()}"
            )[:300],
        )
    audit.record(
        actor=actor,
        action="billing.invoice.credited",
        target=note,
        organisation=invoice.organisation,
        changes={
            "credits": [None, invoice.number],
            "lines": [None, [line.position for line in chosen]],
            "total_ore": [None, note.total_ore],
            "rebill_ore": [None, rebill_ore],
            "reason": [None, note.reason],
        },
    )
    logger.info("Credit note %s for invoice %s", note.number, invoice.number)
    return note, adjustment
