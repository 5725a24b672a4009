"""The only writers of billing: rate cards, the usage ledger, time entries, cost pools,
periods, invoices and credit notes."""

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from billing import selectors, stripe_sync
from billing.allocation import allocate
from billing.invoicing import compute_invoices
from billing.keys import validate_key_params
from billing.models import (
    Adjustment,
    BillingSettings,
    CostPool,
    Invoice,
    InvoiceLine,
    MemberTerm,
    Period,
    RateCard,
    RobotPrice,
    TimeEntry,
    UsageEntry,
)
from billing.money import ORE_PER_KRONE, format_kr, format_number, format_price, round_half_up
from billing.months import add_months, local_midnight, month_of
from robots.models import Deployment, Job
from robots.workitems.models import WorkItem
from tenants import services as tenants_services
from tenants.models import KeyFigure, Organisation

logger = logging.getLogger(__name__)


class PeriodClosed(ValidationError):
    def __init__(self, period: Period):
        super().__init__(
            _(
                "The period %(period)s is closed and cannot change; correct it with a credit "
                "note and an adjustment in an open period."
            )
            % {"period": period.label}
        )


def billing_settings() -> BillingSettings:
    found, _created = BillingSettings.objects.get_or_create(pk=1)
    return found


def get_period(month: date) -> Period:
    """The period of a month, opened with the partnership's financing model if new."""
    period, _created = Period.objects.get_or_create(
        month=month_of(month), defaults={"financing_model": billing_settings().financing_model}
    )
    return period


def _open_period_for(day: date) -> Period:
    """Where usage on ``day`` is booked: its month, or the first open month after it."""
    period = get_period(day)
    while period.is_final:
        period = get_period(add_months(period.month, 1))
    return period


def _ensure_open(period: Period) -> None:
    if period.is_final:
        raise PeriodClosed(period)


def _local_bounds(period: Period) -> tuple[datetime, datetime]:
    return local_midnight(period.month), local_midnight(add_months(period.month, 1))


# --- Rate cards ---------------------------------------------------------------------------


def _validate_tiers(tiers: list[dict]) -> None:
    if not tiers:
        return
    if tiers[-1].get("up_to") is not None:
        raise ValidationError(_("The last tier must have no upper limit."))
    limits = [Decimal(str(tier["up_to"])) for tier in tiers[:-1]]
    if limits != sorted(set(limits)) or any(limit <= 0 for limit in limits):
        raise ValidationError(_("Tier limits must be positive and increasing."))
    if any(Decimal(str(tier["price"])) < 0 for tier in tiers):
        raise ValidationError(_("A tier's price cannot be negative."))


@transaction.atomic
def create_rate_card(*, robot_prices: dict[int, Decimal] | None = None, **fields: Any) -> RateCard:
    """A new rate card; refused if its validity overlaps another's (the database's exclusion
    constraint guards the same under concurrency)."""
    card = RateCard(**fields)
    # The overlap is checked below, under the lock, with a clearer message.
    card.full_clean(validate_constraints=False)
    _validate_tiers(card.robot_minute_tiers)
    # Serialise rate-card writers so the check below sees every committed card.
    BillingSettings.objects.select_for_update().get(pk=billing_settings().pk)
    overlapping = RateCard.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=card.valid_from)
    )
    if card.valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=card.valid_to)
    clash = overlapping.first()
    if clash is not None:
        raise ValidationError(
            _("The rate card overlaps %(other)s; end that card first.") % {"other": clash}
        )
    card.save()
    RobotPrice.objects.bulk_create(
        RobotPrice(rate_card=card, robot_id=robot_id, robot_minute_price=price)
        for robot_id, price in (robot_prices or {}).items()
    )
    return card


# --- The usage ledger ---------------------------------------------------------------------


def _job_entry(job: Job, period: Period) -> UsageEntry:
    seconds = Decimal(str((job.finished_at - job.started_at).total_seconds())).quantize(
        Decimal("0.001")
    )
    return UsageEntry(
        source=f"job:{job.pk}",
        period=period,
        organisation_id=job.organisation_id,
        kind=UsageEntry.Kind.RUNTIME,
        occurred_on=timezone.localdate(job.finished_at),
        deployment_id=job.deployment_id,
        robot_id=job.deployment.robot_version.robot_id,
        quantity=max(seconds, Decimal(0)),
        description=f"Kørsel #{job.pk}, {job.deployment.name}",
    )


def _finished_jobs():
    return Job.objects.filter(
        status__in=Job.FINISHED, started_at__isnull=False, finished_at__isnull=False
    ).select_related("deployment__robot_version")


@transaction.atomic
def record_jobs_usage(period: Period) -> int:
    """Book every finished job of the period's month not booked yet; returns how many.

    Failed and cancelled runs are booked too: the robot ran for that time.
    """
    start, end = _local_bounds(period)
    jobs = _finished_jobs().filter(finished_at__gte=start, finished_at__lt=end)
    booked = set(
        UsageEntry.objects.filter(
            source__in=[f"job:{pk}" for pk in jobs.values_list("pk", flat=True)]
        ).values_list("source", flat=True)
    )
    target = _open_period_for(period.month)
    entries = [_job_entry(job, target) for job in jobs if f"job:{job.pk}" not in booked]
    UsageEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries)


@transaction.atomic
def record_work_items(period: Period) -> int:
    """Book the work items the robots processed in the month, per deployment.

    Items are counted in each member's schema (one query per member). Each booking adds the
    items counted since the last one; its source names the running total, so recording the
    same count again books nothing.
    """
    start, end = _local_bounds(period)
    processed = (*WorkItem.FINISHED, WorkItem.Status.BUSINESS_EXCEPTION)
    counts: dict[int, int] = {}
    members = Organisation.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
    for schema_name in members.values_list("schema_name", flat=True):
        with schema_context(schema_name):
            rows = (
                WorkItem.objects.filter(
                    status__in=processed,
                    finished_at__gte=start,
                    finished_at__lt=end,
                    queue__deployment__isnull=False,
                )
                .values("queue__deployment_id")
                .annotate(count=Count("pk"))
                .values_list("queue__deployment_id", "count")
            )
            counts.update(dict(rows))
    label = period.label
    prefix = "workitems:deployment:"
    already = dict(
        UsageEntry.objects.filter(
            kind=UsageEntry.Kind.WORK_ITEMS, deployment_id__in=counts, source__contains=f":{label}"
        )
        .values_list("deployment_id")
        .annotate(total=Sum("quantity"))
        .values_list("deployment_id", "total")
    )
    deployments = Deployment.objects.in_bulk(list(counts))
    target = _open_period_for(period.month)
    entries = []
    for deployment_id, count in counts.items():
        delta = count - int(already.get(deployment_id, 0))
        if delta <= 0:
            continue
        deployment = deployments[deployment_id]
        entries.append(
            UsageEntry(
                source=f"{prefix}{deployment_id}:{label}:{count}",
                period=target,
                organisation_id=deployment.organisation_id,
                kind=UsageEntry.Kind.WORK_ITEMS,
                occurred_on=min(period.last_day, timezone.localdate()),
                deployment=deployment,
                quantity=delta,
                description=f"Behandlede sager {label}, {deployment.name}",
            )
        )
    UsageEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries)


@transaction.atomic
def record_deployment_fees(period: Period) -> int:
    """Book each deployment's monthly fee pro rata by its active days, once the month has
    ended (a retired deployment counts until it was last changed)."""
    if timezone.localdate() <= period.last_day:
        return 0
    card = selectors.rate_card_on(period.month)
    if card is None or not card.deployment_monthly_fee_ore:
        return 0
    start, end = _local_bounds(period)
    deployments = Deployment.objects.filter(created_at__lt=end).exclude(
        status=Deployment.Status.RETIRED, updated_at__lt=start
    )
    target = _open_period_for(period.month)
    entries = []
    for deployment in deployments:
        first = max(timezone.localdate(deployment.created_at), period.month)
        last = period.last_day
        if deployment.status == Deployment.Status.RETIRED:
            last = min(last, timezone.localdate(deployment.updated_at))
        days = (last - first).days + 1
        if days <= 0:
            continue
        fee = card.deployment_monthly_fee_ore
        entries.append(
            UsageEntry(
                source=f"fee:deployment:{deployment.pk}:{period.label}",
                period=target,
                organisation_id=deployment.organisation_id,
                kind=UsageEntry.Kind.DEPLOYMENT_FEE,
                occurred_on=period.last_day,
                deployment=deployment,
                quantity=days,
                unit_price=Decimal(fee) / ORE_PER_KRONE,
                amount_ore=round_half_up(Decimal(fee * days) / period.days),
                description=(
                    f"Månedligt gebyr {period.label}, {deployment.name}: "
                    f"{days} af {period.days} dage × {format_kr(fee)}"
                ),
            )
        )
    UsageEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries)


def record_period_usage(period: Period) -> dict[str, int]:
    """Book everything measured for the month: jobs, work items and (once it ended) fees."""
    return {
        "jobs": record_jobs_usage(period),
        "work_items": record_work_items(period),
        "fees": record_deployment_fees(period),
    }


# --- Staff time ---------------------------------------------------------------------------


@transaction.atomic
def record_time_entry(
    *,
    staff,
    work_date: date,
    hours: Decimal,
    description: str,
    organisation: Organisation | None = None,
    order=None,
    idea=None,
) -> TimeEntry:
    if Decimal(hours) <= 0:
        raise ValidationError({"hours": _("Hours must be more than zero.")})
    if sum(target is not None for target in (organisation, order, idea)) != 1:
        raise ValidationError(_("Record the hours against one member, one order or one idea."))
    entry = TimeEntry(
        staff=staff,
        work_date=work_date,
        hours=hours,
        description=description,
        organisation=organisation,
        order=order,
        idea=idea,
    )
    entry.full_clean()
    entry.save()
    return entry


def _billed_members(entry: TimeEntry) -> list[int]:
    if entry.organisation_id:
        return [entry.organisation_id]
    if entry.order_id:
        return [entry.order.organisation_id]
    joined = entry.idea.participants.values_list("organisation_id", flat=True)
    return sorted({entry.idea.organisation_id, *joined})


@transaction.atomic
def approve_time_entry(entry: TimeEntry, *, actor) -> TimeEntry:
    """Approve the hours and book them, priced by the rate card of the day they were worked.

    Hours on a shared idea are split in øre among the idea's member and those who joined it.
    """
    entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == TimeEntry.Status.APPROVED:
        return entry
    card = selectors.rate_card_on(entry.work_date)
    if card is None:
        raise ValidationError(
            _("No rate card is valid on %(day)s, so the hours cannot be priced.")
            % {"day": entry.work_date.isoformat()}
        )
    members = _billed_members(entry)
    price = card.staff_hour_price
    total = round_half_up(entry.hours * price * ORE_PER_KRONE)
    shares = allocate(total, dict.fromkeys(members, Decimal(1)))
    period = _open_period_for(entry.work_date)
    text = (
        f"Konsulenttimer {entry.work_date:%d.%m.%Y}: {entry.description}, "
        f"{format_number(entry.hours, 2)} timer × {format_price(price)}"
    )
    if len(members) > 1:
        text += f" = {format_kr(total)}, delt ligeligt mellem {len(members)} medlemmer"
    UsageEntry.objects.bulk_create(
        [
            UsageEntry(
                source=f"time:{entry.pk}" if len(members) == 1 else f"time:{entry.pk}:{member}",
                period=period,
                organisation_id=member,
                kind=UsageEntry.Kind.STAFF_HOURS,
                occurred_on=entry.work_date,
                time_entry=entry,
                quantity=entry.hours,
                unit_price=price,
                amount_ore=shares[member],
                description=text[:300],
            )
            for member in members
        ],
        ignore_conflicts=True,
    )
    entry.status = TimeEntry.Status.APPROVED
    entry.approved_by = actor
    entry.approved_at = timezone.now()
    entry.save(update_fields=["status", "approved_by", "approved_at"])
    return entry


# --- Cost pools ---------------------------------------------------------------------------


@transaction.atomic
def create_cost_pool(
    *,
    period: Period,
    name: str,
    amount_ore: int,
    key: str,
    key_params: dict | None = None,
    limit_to_kinds: list[str] | None = None,
    limit_to_members: list[Organisation] | None = None,
) -> CostPool:
    period = Period.objects.select_for_update().get(pk=period.pk)
    _ensure_open(period)
    if amount_ore < 0:
        raise ValidationError({"amount_ore": _("A pool's amount cannot be negative.")})
    try:
        validate_key_params(key, key_params or {})
    except ValueError as error:
        raise ValidationError({"key_params": str(error)}) from None
    pool = CostPool(
        period=period,
        name=name,
        amount_ore=amount_ore,
        key=key,
        key_params=key_params or {},
        limit_to_kinds=limit_to_kinds or [],
    )
    pool.full_clean()
    pool.save()
    pool.limit_to_members.set(limit_to_members or [])
    return pool


@transaction.atomic
def update_cost_pool(
    pool: CostPool, *, limit_to_members: list[Organisation] | None = None, **changes: Any
) -> CostPool:
    """Change an open period's pool; ``limit_to_members`` (if given) replaces the members
    it is limited to."""
    period = Period.objects.select_for_update().get(pk=pool.period_id)
    _ensure_open(period)
    pool = CostPool.objects.get(pk=pool.pk)
    for name, value in changes.items():
        setattr(pool, name, value)
    try:
        validate_key_params(pool.key, pool.key_params)
    except ValueError as error:
        raise ValidationError({"key_params": str(error)}) from None
    pool.full_clean()
    pool.save()
    if limit_to_members is not None:
        pool.limit_to_members.set(limit_to_members)
    return pool


@transaction.atomic
def delete_cost_pool(pool: CostPool) -> None:
    period = Period.objects.select_for_update().get(pk=pool.period_id)
    _ensure_open(period)
    pool.limit_to_members.clear()
    pool.delete()


# --- Preview, close and corrections -------------------------------------------------------


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
    """
    drafts = compute_invoices(period)
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
    _ensure_open(period)
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


def _assign_numbers(invoices: list[Invoice]) -> None:
    """Gap-free numbers from the locked counter, in the order given."""
    counter, issued_on, due_on = _numbering()
    for invoice in invoices:
        invoice.number = counter.next_invoice_number
        invoice.issued_on = issued_on
        invoice.due_on = due_on
        counter.next_invoice_number += 1
    # One UPDATE joined with the numbers (bulk_update's CASE grows with every invoice).
    invoice_table = Invoice._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {invoice_table} SET number = numbered.number, issued_on = %s, due_on = %s"
            " FROM unnest(%s::bigint[], %s::bigint[]) AS numbered (id, number)"
            f" WHERE {invoice_table}.id = numbered.id",
            [
                issued_on,
                due_on,
                [invoice.pk for invoice in invoices],
                [invoice.number for invoice in invoices],
            ],
        )
    counter.save(update_fields=["next_invoice_number"])


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


def set_progress(period: Period, percent: int, message: str) -> None:
    """Progress of a close for a page to poll; written in its own transaction."""
    if not Period.objects.filter(pk=period.pk, status__in=Period.FINAL).exists():
        Period.objects.filter(pk=period.pk).update(progress=percent, progress_message=message)


@transaction.atomic
def close_period(period: Period) -> Period:
    """Compute the invoices one last time, number them and close the period.

    Closing a closed period changes nothing. Refused (nothing changed) with the list of
    missing key figures if a pool cannot be split. Usage is booked beforehand by
    ``record_period_usage`` (the task and the command do both).
    """
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.is_final:
        return period
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
    """What the task and the command run: book the month's usage, then close."""
    if period.is_final:
        return period
    report(10, _("Booking usage"))
    record_period_usage(period)
    report(50, _("Computing invoices"))
    return close_period(period)


@transaction.atomic
def mark_exported(period: Period) -> Period:
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status == Period.Status.CLOSED:
        period.status = Period.Status.EXPORTED
        period.exported_at = timezone.now()
        period.save(update_fields=["status", "exported_at"])
    return period


@transaction.atomic
def credit_invoice(
    invoice: Invoice, *, reason: str, rebill_ore: int | None = None
) -> tuple[Invoice, Adjustment | None]:
    """Correct a closed invoice: a credit note for all of it in the first open period, and
    (if ``rebill_ore`` is given) the right amount re-billed there as an adjustment line."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != Invoice.Kind.INVOICE or not invoice.is_final:
        raise ValidationError(_("Only a closed invoice can be credited."))
    if invoice.credit_notes.exists():
        raise ValidationError(_("This invoice has already been credited."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if rebill_ore is not None and rebill_ore < 0:
        raise ValidationError({"rebill_ore": _("The amount to bill cannot be negative.")})
    period = _open_period_for(add_months(invoice.period.month, 1))
    note = Invoice.objects.create(
        period=period,
        organisation_id=invoice.organisation_id,
        kind=Invoice.Kind.CREDIT_NOTE,
        credits=invoice,
        reason=reason,
        vat_status=invoice.vat_status,
        vat_rate=invoice.vat_rate,
        subtotal_ore=invoice.subtotal_ore,
        vat_ore=invoice.vat_ore,
        total_ore=invoice.total_ore,
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
        for line in invoice.lines.all()
    )
    _assign_numbers([note])
    adjustment = None
    if rebill_ore is not None:
        adjustment = Adjustment.objects.create(
            period=period,
            organisation_id=invoice.organisation_id,
            amount_ore=rebill_ore,
            corrects=invoice,
            description=(
                f"Korrektion af faktura {invoice.number} ({invoice.period.label}): {reason}"
            )[:300],
        )
    return note, adjustment


@transaction.atomic
def set_member_term(
    *, organisation: Organisation, joined_on: date, left_on: date | None = None
) -> MemberTerm:
    """When the organisation joined (and left) the partnership, for pro-rata pool shares."""
    if left_on is not None and left_on < joined_on:
        raise ValidationError({"left_on": _("A member cannot leave before it joined.")})
    term, _created = MemberTerm.objects.update_or_create(
        organisation=organisation, defaults={"joined_on": joined_on, "left_on": left_on}
    )
    return term


@transaction.atomic
def set_financing_model(period: Period, financing_model: str) -> Period:
    """Change an open period's financing model (new periods copy the partnership's)."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    _ensure_open(period)
    period.financing_model = financing_model
    period.full_clean()
    period.save(update_fields=["financing_model"])
    return period


# --- Key figures from CSV -----------------------------------------------------------------

KEY_FIGURE_COLUMNS = ("organisation", "kind", "value", "valid_from")


def _parse_figure_value(text: str) -> Decimal:
    """Danish notation: dots group thousands, the comma is the decimal mark."""
    return Decimal(text.replace(".", "").replace(",", "."))


def _parse_figure_date(text: str) -> date:
    """YYYY-MM-DD or the Danish DD.MM.YYYY; ValueError otherwise."""
    if "." in text:
        day, month, year = text.split(".")
        return date(int(year), int(month), int(day))
    return date.fromisoformat(text)


@transaction.atomic
def import_key_figures(text: str, *, source: str = "") -> int:
    """Import ``organisation;kind;value;valid_from`` lines (semicolon CSV, an optional header,
    organisation by slug or CVR). Every line is checked first: one bad line refuses the
    whole file, naming each bad line, and nothing is imported. Returns how many were set."""
    by_key = {}
    for organisation in Organisation.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME):
        by_key[organisation.slug] = organisation
        by_key[organisation.cvr] = organisation
    kinds = {str(value): value for value in KeyFigure.Kind.values}
    rows, errors = [], []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        cells = [cell.strip() for cell in line.split(";")]
        if not any(cells) or (number == 1 and cells[0].lower() == "organisation"):
            continue
        if len(cells) != len(KEY_FIGURE_COLUMNS):
            errors.append(
                _("Line %(line)d: expected 4 columns (organisation;kind;value;valid_from).")
                % {"line": number}
            )
            continue
        name, kind, value, valid_from = cells
        problems = []
        if name not in by_key:
            problems.append(_("unknown organisation “%(name)s”") % {"name": name})
        if kind not in kinds:
            problems.append(
                _("unknown kind “%(kind)s” (use %(kinds)s)")
                % {"kind": kind, "kinds": ", ".join(kinds)}
            )
        try:
            amount = _parse_figure_value(value)
        except ArithmeticError:
            problems.append(_("“%(value)s” is not a number") % {"value": value})
        else:
            if not amount.is_finite() or amount < 0:
                problems.append(_("a key figure must be a number of zero or more"))
        try:
            day = _parse_figure_date(valid_from)
        except ValueError:
            problems.append(
                _("“%(date)s” is not a date (YYYY-MM-DD or DD.MM.YYYY)") % {"date": valid_from}
            )
        if problems:
            errors.append(
                _("Line %(line)d: %(problems)s.")
                % {"line": number, "problems": "; ".join(problems)}
            )
        else:
            rows.append((by_key[name], kinds[kind], amount, day))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError(_("The file has no key figures."))
    for organisation, kind, value, valid_from in rows:
        tenants_services.set_key_figure(
            organisation=organisation, kind=kind, value=value, valid_from=valid_from, source=source
        )
    return len(rows)
