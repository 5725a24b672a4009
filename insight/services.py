"""The only writer of the insight rollups: ``refresh_rollups`` recomputes whole months.

Work items are counted in each member's schema with one query per schema; runs, invoices and
the ledger are read from ``public``. A month is replaced as a whole in one transaction, so
refreshing it again gives the same rows (idempotent), and pages read only the rollups.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, DateField, F, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from billing.invoicing import compute_invoices
from billing.models import Invoice, InvoiceLine, Period, UsageEntry
from billing.months import add_months, current_month, local_midnight, months_between
from core import audit
from insight.models import (
    CostBasis,
    DeploymentEstimate,
    MemberValueRate,
    MinutesBasis,
    MonthlyCost,
    MonthlyValue,
)
from robots.models import Deployment, Job
from robots.workitems.models import WorkItem
from tenants.models import Organisation

# Where each invoice line kind goes in a member's bill.
LINE_COLUMNS = {
    InvoiceLine.Kind.ROBOT_USAGE: "usage_ore",
    InvoiceLine.Kind.WORK_ITEMS: "usage_ore",
    InvoiceLine.Kind.STAFF_HOURS: "staff_ore",
    InvoiceLine.Kind.DEPLOYMENT_FEE: "fee_ore",
    InvoiceLine.Kind.POOL_SHARE: "pool_ore",
    InvoiceLine.Kind.ADJUSTMENT: "adjustment_ore",
    InvoiceLine.Kind.CREDIT: "adjustment_ore",
}
LEDGER_COLUMNS = {
    UsageEntry.Kind.STAFF_HOURS: "staff_ore",
    UsageEntry.Kind.DEPLOYMENT_FEE: "fee_ore",
}
# Items a robot handed back to people: waiting for manual handling or handled by hand.
HANDED_BACK = (*WorkItem.HANDED_BACK, WorkItem.Status.RESOLVED, WorkItem.Status.CLOSED)


def _trunc_month(field: str) -> TruncMonth:
    return TruncMonth(field, output_field=DateField(), tzinfo=timezone.get_default_timezone())


def _member_schemas() -> list[tuple[int, str]]:
    """Members whose schema exists (an organisation being provisioned has none yet)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        existing = {row[0] for row in cursor.fetchall()}
    members = Organisation.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
    return [
        (pk, schema)
        for pk, schema in members.values_list("pk", "schema_name")
        if schema in existing
    ]


def _work_items(start, end) -> dict[tuple[int, int, date], dict]:
    """Per (member, deployment, month): items the robot completed and items it handed back,
    counted in the month they finished (one query per member schema)."""
    counts = {}
    for organisation_id, schema in _member_schemas():
        with schema_context(schema):
            rows = (
                WorkItem.objects.filter(
                    finished_at__gte=start, finished_at__lt=end, queue__deployment__isnull=False
                )
                .annotate(month=_trunc_month("finished_at"))
                .values("queue__deployment_id", "month")
                .annotate(
                    done=Count("pk", filter=Q(status=WorkItem.Status.DONE)),
                    handed_back=Count("pk", filter=Q(status__in=HANDED_BACK)),
                )
                .order_by()
            )
            for row in rows:
                key = (organisation_id, row["queue__deployment_id"], row["month"])
                counts[key] = {"items_done": row["done"], "items_handed_back": row["handed_back"]}
    return counts


def _runs(start, end) -> dict[tuple[int, int, date], dict]:
    """Per (member, deployment, month): finished runs, succeeded ones and server runtime."""
    rows = (
        Job.objects.filter(
            finished_at__gte=start,
            finished_at__lt=end,
            status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED],
        )
        .annotate(month=_trunc_month("finished_at"))
        .values("organisation_id", "deployment_id", "month")
        .annotate(
            runs=Count("pk"),
            succeeded=Count("pk", filter=Q(status=Job.Status.SUCCEEDED)),
            runtime=Sum(F("finished_at") - F("started_at")),
        )
        .order_by()
    )
    return {
        (row["organisation_id"], row["deployment_id"], row["month"]): {
            "runs": row["runs"],
            "runs_succeeded": row["succeeded"],
            "runtime_seconds": int(row["runtime"].total_seconds()) if row["runtime"] else 0,
        }
        for row in rows
    }


def _empty_bill() -> dict:
    return {column: 0 for column in ("usage_ore", "staff_ore", "fee_ore", "pool_ore")} | {
        "adjustment_ore": 0,
        "vat_ore": 0,
    }


def _invoiced(period: Period, bills: dict, direct: dict) -> None:
    """A closed month: the numbered invoices' lines, less the credit notes."""
    lines = (
        InvoiceLine.objects.filter(
            invoice__period=period, invoice__number__isnull=False, invoice__kind="invoice"
        )
        .values("invoice__organisation_id", "kind", "deployment_id")
        .annotate(amount=Sum("amount_ore"))
        .order_by()
    )
    for row in lines:
        bill = bills.setdefault(row["invoice__organisation_id"], _empty_bill())
        bill[LINE_COLUMNS.get(row["kind"], "adjustment_ore")] += row["amount"]
        if row["deployment_id"]:
            direct[row["deployment_id"]] += row["amount"]
    documents = (
        Invoice.objects.filter(period=period, number__isnull=False)
        .values("organisation_id", "kind")
        .annotate(subtotal=Sum("subtotal_ore"), vat=Sum("vat_ore"))
        .order_by()
    )
    for row in documents:
        bill = bills.setdefault(row["organisation_id"], _empty_bill())
        if row["kind"] == Invoice.Kind.CREDIT_NOTE:
            bill["adjustment_ore"] -= row["subtotal"]
            bill["vat_ore"] -= row["vat"]
        else:
            bill["vat_ore"] += row["vat"]


def _drafted(period: Period, bills: dict, direct: dict) -> str:
    """An open month: the draft invoices as they would be computed now, or — when they
    cannot be (say, key figures are missing) — the priced usage booked so far."""
    try:
        drafts = compute_invoices(period)
    except ValidationError:
        entries = (
            UsageEntry.objects.filter(period=period, kind__in=list(LEDGER_COLUMNS))
            .values("organisation_id", "kind", "deployment_id")
            .annotate(amount=Sum("amount_ore"))
            .order_by()
        )
        for row in entries:
            bill = bills.setdefault(row["organisation_id"], _empty_bill())
            bill[LEDGER_COLUMNS[row["kind"]]] += row["amount"] or 0
            if row["deployment_id"]:
                direct[row["deployment_id"]] += row["amount"] or 0
        return CostBasis.LEDGER
    for organisation_id, draft in drafts.invoices.items():
        bill = bills.setdefault(organisation_id, _empty_bill())
        for line in [*draft.lines, *draft.adjustments]:
            bill[LINE_COLUMNS.get(line.kind, "adjustment_ore")] += line.amount_ore
            if line.deployment_id:
                direct[line.deployment_id] += line.amount_ore
        bill["pool_ore"] += draft.pool_ore  # pool shares are summed, not kept as lines
        bill["vat_ore"] += draft.vat_ore
    return CostBasis.DRAFT


def _costs(month: date) -> tuple[list[MonthlyCost], dict[int, int]]:
    period = Period.objects.filter(month=month).first()
    bills: dict[int, dict] = {}
    direct: dict[int, int] = defaultdict(int)
    if period is None:
        return [], direct
    if period.is_final:
        _invoiced(period, bills, direct)
        basis = CostBasis.INVOICE
    else:
        basis = _drafted(period, bills, direct)
    now = timezone.now()
    rows = [
        MonthlyCost(
            organisation_id=organisation_id,
            month=month,
            **bill,
            total_ore=sum(bill.values()),
            preliminary=not period.is_final,
            basis=basis,
            refreshed_at=now,
        )
        for organisation_id, bill in bills.items()
    ]
    return rows, direct


def _estimates(deployment_ids) -> dict[int, tuple]:
    """Per deployment: (robot id, minutes saved per item, what the minutes are based on).
    The robot is the one its current version belongs to: a deployment moved to another
    version of the same robot keeps its estimate and its history."""
    own = dict(
        DeploymentEstimate.objects.filter(deployment_id__in=deployment_ids).values_list(
            "deployment_id", "minutes_saved_per_item"
        )
    )
    found = {}
    rows = Deployment.objects.filter(pk__in=deployment_ids).values_list(
        "pk", "robot_version__robot_id", "robot_version__robot__estimated_minutes_saved"
    )
    for pk, robot_id, catalog_minutes in rows:
        if pk in own:
            found[pk] = (robot_id, own[pk], MinutesBasis.DEPLOYMENT)
        elif catalog_minutes is not None:
            found[pk] = (robot_id, catalog_minutes, MinutesBasis.CATALOG)
        else:
            found[pk] = (robot_id, None, MinutesBasis.MISSING)
    return found


def default_months() -> list[date]:
    """What the beat refreshes: this month and the last (late items, a close just done),
    and every month whose invoices changed since the last refresh (a close, a credit note);
    everything when nothing was refreshed yet."""
    this = current_month()
    months = {add_months(this, -1), this}
    refreshed = [
        model.objects.aggregate(last=Max("refreshed_at"))["last"]
        for model in (MonthlyValue, MonthlyCost)
    ]
    refreshed = [moment for moment in refreshed if moment is not None]
    if not refreshed:
        return all_months()  # never refreshed: build everything once
    last = max(refreshed)
    changed = Period.objects.filter(Q(closed_at__gte=last) | Q(invoices__created_at__gte=last))
    months.update(changed.values_list("month", flat=True))
    return sorted(months)


def all_months() -> list[date]:
    """From the first run, work item or period to this month (a full rebuild)."""
    first = [
        Job.objects.filter(finished_at__isnull=False).order_by("finished_at").first(),
        Period.objects.order_by("month").first(),
    ]
    days = [timezone.localtime(first[0].finished_at).date()] if first[0] else []
    days += [first[1].month] if first[1] else []
    return months_between(min(days), current_month()) if days else [current_month()]


@transaction.atomic
def refresh_rollups(months: list[date] | None = None) -> dict[str, int]:
    """Recompute the value and cost rollups of ``months`` (default: ``default_months()``)."""
    months = sorted(set(months or default_months()))
    start, end = local_midnight(months[0]), local_midnight(add_months(months[-1], 1))
    wanted = set(months)
    activity: dict[tuple[int, int, date], dict] = defaultdict(dict)
    for key, values in _work_items(start, end).items():
        activity[key].update(values)
    for key, values in _runs(start, end).items():
        activity[key].update(values)
    costs: list[MonthlyCost] = []
    direct_by_month: dict[date, dict[int, int]] = {}
    for month in months:
        rows, direct = _costs(month)
        costs += rows
        direct_by_month[month] = direct
    deployment_ids = {key[1] for key in activity} | {
        pk for direct in direct_by_month.values() for pk in direct
    }
    owners = dict(
        Deployment.objects.filter(pk__in=deployment_ids).values_list("pk", "organisation_id")
    )
    for month, direct in direct_by_month.items():
        for deployment_id in direct:
            activity.setdefault((owners[deployment_id], deployment_id, month), {})
    estimates = _estimates(deployment_ids)
    now = timezone.now()
    values = []
    for (organisation_id, deployment_id, month), figures in activity.items():
        if month not in wanted or deployment_id not in estimates:
            continue
        robot_id, minutes, basis = estimates[deployment_id]
        values.append(
            MonthlyValue(
                organisation_id=organisation_id,
                deployment_id=deployment_id,
                robot_id=robot_id,
                month=month,
                minutes_per_item=minutes,
                minutes_basis=basis,
                cost_ore=direct_by_month[month].get(deployment_id, 0),
                refreshed_at=now,
                **figures,
            )
        )
    MonthlyValue.objects.filter(month__in=months).delete()
    MonthlyCost.objects.filter(month__in=months).delete()
    MonthlyValue.objects.bulk_create(values)
    MonthlyCost.objects.bulk_create(costs)
    return {"months": len(months), "values": len(values), "costs": len(costs)}


@transaction.atomic
def set_hourly_rate(organisation: Organisation, hourly_rate, *, actor=None) -> MemberValueRate:
    """What a saved hour is worth to the member; applies to every month at once (the value
    is computed from the rollups' minutes when read)."""
    hourly_rate = Decimal(hourly_rate)
    if hourly_rate < 0:
        raise ValidationError(_("The value of an hour cannot be negative."))
    rate, _created = MemberValueRate.objects.update_or_create(
        organisation=organisation, defaults={"hourly_rate": hourly_rate}
    )
    audit.record(
        actor=actor,
        action="insight.hourly_rate",
        target=rate,
        organisation=organisation,
        changes={"hourly_rate": str(hourly_rate)},
    )
    return rate


@transaction.atomic
def set_minutes_saved(deployment: Deployment, minutes, *, actor=None) -> DeploymentEstimate | None:
    """A deployment's own estimate; ``None`` removes it (the catalog's applies again). The
    recent months take it at the next refresh, older ones with ``refresh_insight --all``."""
    if minutes is not None and Decimal(minutes) < 0:
        raise ValidationError(_("Minutes saved cannot be negative."))
    if minutes is None:
        DeploymentEstimate.objects.filter(deployment=deployment).delete()
        estimate = None
    else:
        estimate, _created = DeploymentEstimate.objects.update_or_create(
            deployment=deployment, defaults={"minutes_saved_per_item": minutes}
        )
    audit.record(
        actor=actor,
        action="insight.minutes_saved",
        target=deployment,
        organisation=deployment.organisation,
        changes={"minutes_saved_per_item": None if minutes is None else str(minutes)},
    )
    return estimate
