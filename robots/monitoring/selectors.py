"""Reads of alerts and of the operations dashboards, scoped to the caller's site.

The dashboards keep a fixed number of queries however many rows there are; the office's
queue depths read every member's schema in one ``UNION ALL`` query.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractHour
from django.http import Http404
from django.utils import timezone

from robots.models import Deployment, Job
from robots.monitoring.models import Alert
from robots.schedules import COPENHAGEN
from robots.selectors import fleet
from robots.workitems.models import WorkItem
from robots.workitems.selectors import queues_with_counts
from tenants.models import Organisation

RUNNING_JOBS_SHOWN = 50
FAILURES_SHOWN = 20
ALERTS_SHOWN = 10
MANUAL_ITEMS_SHOWN = 10


def alerts_for(organisation: Organisation) -> QuerySet[Alert]:
    """Every alert on the office console; a member's own on its site."""
    alerts = Alert.objects.select_related(
        "organisation", "acknowledged_by", "resolved_by", "assignee"
    )
    if organisation.is_office:
        return alerts
    return alerts.filter(organisation=organisation)


def alert_for(organisation: Organisation, pk) -> Alert:
    alert = alerts_for(organisation).filter(pk=pk).first()
    if alert is None:
        raise Http404
    return alert


def filter_alerts(
    alerts: QuerySet[Alert],
    *,
    state: str = "",
    kind: str = "",
    member: str = "",
    assignee: str = "",
    user=None,
) -> QuerySet[Alert]:
    """``assignee`` is ``me`` (given to ``user``), ``none`` (to no one) or empty (all)."""
    if state == "active":
        alerts = alerts.filter(state__in=Alert.ACTIVE)
    elif state in Alert.State.values:
        alerts = alerts.filter(state=state)
    if kind in Alert.Kind.values:
        alerts = alerts.filter(kind=kind)
    if member:
        alerts = alerts.filter(organisation__slug=member)
    if assignee == "me":
        alerts = alerts.filter(assignee=user)
    elif assignee == "none":
        alerts = alerts.filter(assignee__isnull=True)
    return alerts


def active_alerts(organisation: Organisation) -> QuerySet[Alert]:
    return alerts_for(organisation).filter(state__in=Alert.ACTIVE)


def start_of_today(now: datetime | None = None) -> datetime:
    """Midnight in Copenhagen (the project's time zone)."""
    today = timezone.localdate(now or timezone.now())
    return timezone.make_aware(datetime.combine(today, time.min))


# --- queue depths ---------------------------------------------------------------------------

# One member's counts: its schema name, then DEPTH_STATUSES, are the parameters.
DEPTH_SQL = """
SELECT %s::text AS schema_name,
       count(*) FILTER (WHERE status = %s) AS waiting,
       count(*) FILTER (WHERE status = %s) AS in_progress,
       count(*) FILTER (WHERE status IN ({handed_back})) AS manual
FROM {table}
"""
DEPTH_STATUSES = (WorkItem.Status.NEW, WorkItem.Status.IN_PROGRESS, *WorkItem.HANDED_BACK)


def queue_depths_per_member() -> list[dict]:
    """Per active member: items waiting, in progress and waiting for manual handling,
    read from every member's schema in one query."""
    members = list(
        Organisation.objects.exclude(kind=Organisation.Kind.OFFICE)
        .filter(is_active=True)
        .order_by("name")
    )
    if not members:
        return []
    quote = connection.ops.quote_name
    table = WorkItem._meta.db_table
    handed_back = ", ".join(["%s"] * len(WorkItem.HANDED_BACK))
    sql = " UNION ALL ".join(
        DEPTH_SQL.format(
            table=f"{quote(member.schema_name)}.{quote(table)}", handed_back=handed_back
        )
        for member in members
    )
    params = [value for member in members for value in (member.schema_name, *DEPTH_STATUSES)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = {row[0]: row[1:] for row in cursor.fetchall()}
    return [
        {
            "organisation": member,
            "waiting": counts[member.schema_name][0],
            "in_progress": counts[member.schema_name][1],
            "manual": counts[member.schema_name][2],
        }
        for member in members
    ]


# --- dashboards -----------------------------------------------------------------------------


def runner_states(now: datetime | None = None) -> dict:
    """The fleet counted by state as the runners page shows it: busy, idle, silent (no
    heartbeat lately, or never) and revoked; one query."""
    now = now or timezone.now()
    silent_before = now - timedelta(minutes=settings.ROBOTS_RUNNER_SILENCE_MINUTES)
    states = {"busy": 0, "idle": 0, "silent": 0, "revoked": 0}
    for runner in fleet().only("revoked_at", "last_heartbeat_at"):
        if runner.revoked_at is not None:
            states["revoked"] += 1
        elif runner.last_heartbeat_at is None or runner.last_heartbeat_at < silent_before:
            states["silent"] += 1
        elif runner.running:
            states["busy"] += 1
        else:
            states["idle"] += 1
    return states


def alert_counts(organisation: Organisation) -> dict:
    """Active alerts per kind, with their labels, and the critical ones (one query)."""
    rows = (
        active_alerts(organisation)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"), critical=Count("pk", filter=Q(severity="critical")))
    )
    by_kind = {row["kind"]: row for row in rows}
    return {
        "total": sum(row["n"] for row in by_kind.values()),
        "critical": sum(row["critical"] for row in by_kind.values()),
        "kinds": [
            {"kind": kind, "label": label, "count": by_kind[kind]["n"]}
            for kind, label in Alert.Kind.choices
            if kind in by_kind
        ],
    }


def office_dashboard(office: Organisation, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    today = start_of_today(now)
    jobs = Job.objects.select_related("deployment", "organisation", "runner")
    job_counts = Job.objects.aggregate(
        running=Count("pk", filter=Q(status=Job.Status.RUNNING)),
        queued=Count("pk", filter=Q(status=Job.Status.QUEUED)),
        failed_today=Count("pk", filter=Q(status=Job.Status.FAILED, finished_at__gte=today)),
        succeeded_today=Count("pk", filter=Q(status=Job.Status.SUCCEEDED, finished_at__gte=today)),
    )
    return {
        "job_counts": job_counts,
        "runs_by_hour": runs_today_by_hour(office, now),
        "running_jobs": list(
            jobs.filter(status=Job.Status.RUNNING).order_by("started_at", "pk")[:RUNNING_JOBS_SHOWN]
        ),
        "failures_today": list(
            jobs.filter(status=Job.Status.FAILED, finished_at__gte=today).order_by(
                "-finished_at", "-pk"
            )[:FAILURES_SHOWN]
        ),
        "queue_depths": queue_depths_per_member(),
        "runner_states": runner_states(now),
        "alert_counts": alert_counts(office),
        "alerts": list(active_alerts(office)[:ALERTS_SHOWN]),
    }


def runs_today_by_hour(organisation: Organisation, now: datetime | None = None) -> list[dict]:
    """Today's finished runs per hour (Danish time) up to this hour, succeeded and failed
    counted, in one query: ``hour`` (0–23), ``succeeded``, ``failed``, ``total``."""
    now = now or timezone.now()
    today = start_of_today(now)
    jobs = Job.objects.filter(
        finished_at__gte=today, status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED]
    )
    if not organisation.is_office:
        jobs = jobs.filter(organisation=organisation)
    counted = {
        row["hour"]: row
        for row in jobs.annotate(hour=ExtractHour("finished_at", tzinfo=COPENHAGEN))
        .order_by()
        .values("hour")
        .annotate(
            succeeded=Count("pk", filter=Q(status=Job.Status.SUCCEEDED)),
            failed=Count("pk", filter=Q(status=Job.Status.FAILED)),
        )
    }
    hours = []
    for hour in range(timezone.localtime(now, COPENHAGEN).hour + 1):
        row = counted.get(hour, {"succeeded": 0, "failed": 0})
        hours.append(
            {
                "hour": hour,
                "succeeded": row["succeeded"],
                "failed": row["failed"],
                "total": row["succeeded"] + row["failed"],
            }
        )
    return hours


def deployments_with_today(organisation: Organisation, now: datetime | None = None):
    """The member's deployments, each with its last run and today's runs counted (one
    query): ``last_status``, ``last_finished_at``, ``runs_today``, ``succeeded_today``."""
    today = start_of_today(now)
    last = Job.objects.filter(deployment=OuterRef("pk")).order_by("-queued_at", "-pk")
    finished_today = Q(jobs__finished_at__gte=today) & Q(
        jobs__status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED]
    )
    return (
        Deployment.objects.filter(organisation=organisation)
        .exclude(status=Deployment.Status.RETIRED)
        .select_related("robot_version__robot")
        .annotate(
            last_job_id=Subquery(last.values("pk")[:1]),
            last_status=Subquery(last.values("status")[:1]),
            last_finished_at=Subquery(last.values("finished_at")[:1]),
            runs_today=Count("jobs", filter=finished_today),
            succeeded_today=Count(
                "jobs", filter=finished_today & Q(jobs__status=Job.Status.SUCCEEDED)
            ),
        )
        .order_by("name", "pk")
    )


def member_dashboard(organisation: Organisation, now: datetime | None = None) -> dict:
    """Runs in the member's schema (its queues and items) and ``public`` (runs, alerts)."""
    deployments = list(deployments_with_today(organisation, now))
    for deployment in deployments:
        deployment.last_status_label = (
            Job.Status(deployment.last_status).label if deployment.last_status else ""
        )
        deployment.success_rate = (
            100 * deployment.succeeded_today / deployment.runs_today
            if deployment.runs_today
            else None
        )
    queues = list(queues_with_counts())
    for queue in queues:
        queue.count_manual = sum(
            getattr(queue, f"count_{status}") for status in WorkItem.HANDED_BACK
        )
    return {
        "deployments": deployments,
        "queues": queues,
        "manual_count": sum(queue.count_manual for queue in queues),
        "manual_items": list(
            WorkItem.objects.filter(status__in=WorkItem.HANDED_BACK)
            .select_related("queue")
            .order_by("-finished_at", "-pk")[:MANUAL_ITEMS_SHOWN]
        ),
        "runs_by_hour": runs_today_by_hour(organisation, now),
        "alert_counts": alert_counts(organisation),
        "alerts": list(active_alerts(organisation)[:ALERTS_SHOWN]),
    }
