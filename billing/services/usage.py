"""The usage ledger: what the robots ran and processed, and the monthly fees, booked per
member."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from billing import selectors
from billing.models import (
    Period,
    UsageEntry,
)
from billing.money import ORE_PER_KRONE, format_kr, round_half_up
from billing.services.periods import local_bounds, open_period_for
from robots.models import Deployment, Job
from robots.workitems.models import WorkItem
from tenants.models import Organisation


def exact_seconds(delta: timedelta) -> Decimal:
    """A duration in seconds to the microsecond, exactly (``total_seconds()`` is a float)."""
    return Decimal(delta.days * 86_400 + delta.seconds) + Decimal(delta.microseconds).scaleb(-6)


def _job_entry(job: Job, period: Period) -> UsageEntry:
    seconds = exact_seconds(job.finished_at - job.started_at)
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
    start, end = local_bounds(period)
    jobs = _finished_jobs().filter(finished_at__gte=start, finished_at__lt=end)
    booked = set(
        UsageEntry.objects.filter(
            source__in=[f"job:{pk}" for pk in jobs.values_list("pk", flat=True)]
        ).values_list("source", flat=True)
    )
    target = open_period_for(period.month)
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
    start, end = local_bounds(period)
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
    target = open_period_for(period.month)
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
    start, end = local_bounds(period)
    deployments = Deployment.objects.filter(created_at__lt=end).exclude(
        status=Deployment.Status.RETIRED, updated_at__lt=start
    )
    target = open_period_for(period.month)
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
