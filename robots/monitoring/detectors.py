"""Detectors: each reads one kind of condition and hands what it found to
``services.sync_alerts``, which raises, refreshes and resolves the alerts. Running a detector
again over the same condition changes nothing but ``last_seen``: Celery beat runs them every
minute (``tasks``).

The first three read ``public`` (jobs, deployments, runners); the others run inside one
member's schema (its queues, items and credentials).
"""

from dataclasses import asdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.tasks import isolated_row
from robots.credentials.selectors import ensure_schema_of, expiring_credentials
from robots.credentials.services import EXPIRY_WARNING_DAYS
from robots.models import Deployment, Job, Runner
from robots.monitoring.models import Alert
from robots.monitoring.services import Finding, sync_alerts
from robots.schedules import COPENHAGEN, is_danish_holiday, last_fire_time
from robots.workitems.models import WorkItem, WorkQueue
from tenants.models import PROCESS_OWNER_ROLES, Membership, Organisation

Kind = Alert.Kind
TASK = "robots.monitoring.tasks.detect_problems"
MEMBER_TASK = "robots.monitoring.tasks.detect_member_problems"
Severity = Alert.Severity
Subject = Alert.Subject


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(COPENHAGEN):%d.%m.%Y %H:%M}"


# --- public: runs, schedules and runners ------------------------------------------------------


def detect_failed_runs(*, now: datetime | None = None):
    """A deployment whose latest finished run failed; cleared by its next successful run
    (or when the deployment is retired)."""
    latest = (
        Job.objects.filter(status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED])
        .exclude(deployment__status=Deployment.Status.RETIRED)
        .select_related("deployment__process_owner", "organisation")
        .order_by("deployment_id", "-finished_at", "-pk")
        .distinct("deployment_id")
    )
    findings = [
        Finding(
            key=f"failed_run:deployment:{job.deployment_id}",
            organisation=job.organisation,
            severity=Severity.CRITICAL,
            subject_type=Subject.JOB,
            subject_id=job.pk,
            subject_label=f"{job.deployment.name} #{job.pk}",
            message=gettext_noop("The run #%(job)s of %(deployment)s (%(member)s) failed."),
            params={
                "job": job.pk,
                "deployment": job.deployment.name,
                "member": job.organisation.name,
            },
            occurrence=f"job:{job.pk}",
            owners=(job.deployment.process_owner,),
        )
        for job in latest
        if job.status == Job.Status.FAILED
    ]
    return sync_alerts(Kind.FAILED_RUN, findings, now=now)


def missed_firing(deployment: Deployment, now: datetime) -> datetime | None:
    """The firing a job should have been queued for by now (the latest at least the grace
    period old), or None when the schedule did not ask for one then."""
    grace = timedelta(minutes=settings.ROBOTS_MISSED_SCHEDULE_GRACE_MINUTES)
    fire = last_fire_time(deployment.schedule, now - grace)
    # Firings before the deployment existed or last changed (e.g. while paused) do not count.
    if fire < max(deployment.created_at, deployment.updated_at):
        return None
    if deployment.skip_holidays and is_danish_holiday(fire):
        return None
    return fire


def detect_missed_schedules(*, now: datetime | None = None):
    """An active scheduled deployment without a job for its latest firing once the grace
    period (``ROBOTS_MISSED_SCHEDULE_GRACE_MINUTES``) has passed; cleared when a later
    firing gets its job."""
    now = now or timezone.now()
    scheduled = (
        Deployment.objects.filter(status=Deployment.Status.ACTIVE)
        .exclude(schedule="")
        .select_related("organisation", "process_owner")
    )
    due = {}
    for deployment in scheduled:
        # A schedule that cannot be read is alerted (task_failed); the others are checked.
        with isolated_row(
            TASK,
            f"{deployment.name} ({deployment.schedule})",
            subject=(Subject.DEPLOYMENT, deployment.pk),
            organisation_id=deployment.organisation_id,
        ):
            fire = missed_firing(deployment, now)
            if fire is not None:
                due[deployment.pk] = (deployment, fire)
    queued = set(
        Job.objects.filter(
            deployment_id__in=list(due),
            scheduled_for__in={fire for _deployment, fire in due.values()},
        ).values_list("deployment_id", "scheduled_for")
    )
    findings = [
        Finding(
            key=f"missed_schedule:deployment:{deployment.pk}",
            organisation=deployment.organisation,
            severity=Severity.WARNING,
            subject_type=Subject.DEPLOYMENT,
            subject_id=deployment.pk,
            subject_label=deployment.name,
            message=gettext_noop(
                "The scheduled run of %(deployment)s (%(member)s) at %(time)s did not start."
            ),
            params={
                "deployment": deployment.name,
                "member": deployment.organisation.name,
                "time": _local(fire),
            },
            occurrence=fire.isoformat(),
            owners=(deployment.process_owner,),
        )
        for deployment, fire in due.values()
        if (deployment.pk, fire) not in queued
    ]
    return sync_alerts(Kind.MISSED_SCHEDULE, findings, now=now)


def detect_silent_runners(*, now: datetime | None = None):
    """An active runner without a heartbeat for ``ROBOTS_RUNNER_SILENCE_MINUTES`` (or never
    heard from since it was registered that long ago); cleared by its next heartbeat."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.ROBOTS_RUNNER_SILENCE_MINUTES)
    silent = Runner.objects.filter(revoked_at__isnull=True).filter(
        Q(last_heartbeat_at__lt=cutoff) | Q(last_heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    findings = [
        Finding(
            key=f"runner_silent:runner:{runner.pk}",
            organisation=None,
            severity=Severity.CRITICAL,
            subject_type=Subject.RUNNER,
            subject_id=runner.pk,
            subject_label=runner.name,
            message=gettext_noop("The runner %(runner)s has sent no heartbeat since %(time)s."),
            params={
                "runner": runner.name,
                "time": _local(runner.last_heartbeat_at or runner.created_at),
            },
        )
        for runner in silent
    ]
    return sync_alerts(Kind.RUNNER_SILENT, findings, now=now)


# --- a member's schema: queues, deadlines and credentials ------------------------------------


def _member_owners(organisation: Organisation) -> tuple:
    return tuple(
        membership.user
        for membership in Membership.objects.filter(
            organisation=organisation, role__in=PROCESS_OWNER_ROLES
        ).select_related("user")
    )


def _queue_owners(queue: WorkQueue, member_owners: tuple) -> tuple:
    if queue.deployment is not None:
        return (queue.deployment.process_owner,)
    return member_owners


def _not_finished(prefix: str = "items__") -> Q:
    return ~Q(**{f"{prefix}status__in": WorkItem.FINISHED})


def detect_queues_past_sla(organisation: Organisation, *, now: datetime | None = None):
    """A queue with an SLA holding items that are not finished that long after they were
    added; cleared when none is left."""
    ensure_schema_of(organisation)
    now = now or timezone.now()
    queues = list(
        WorkQueue.objects.filter(sla_minutes__isnull=False).select_related(
            "deployment__process_owner"
        )
    )
    member_owners = _member_owners(organisation) if queues else ()
    findings = []
    for queue in queues:
        late = queue.items.filter(
            _not_finished(""), created_at__lt=now - timedelta(minutes=queue.sla_minutes)
        ).count()
        if late:
            findings.append(
                Finding(
                    key=f"queue_sla:{organisation.pk}:queue:{queue.pk}",
                    organisation=organisation,
                    severity=Severity.WARNING,
                    subject_type=Subject.QUEUE,
                    subject_id=queue.pk,
                    subject_label=queue.name,
                    message=gettext_noop(
                        "%(count)s items in the queue %(queue)s (%(member)s) are past its "
                        "SLA of %(minutes)s minutes."
                    ),
                    params={
                        "count": late,
                        "queue": queue.name,
                        "member": organisation.name,
                        "minutes": queue.sla_minutes,
                    },
                    owners=_queue_owners(queue, member_owners),
                )
            )
    return sync_alerts(Kind.QUEUE_SLA, findings, member=organisation, now=now)


def detect_deadlines_at_risk(organisation: Organisation, *, now: datetime | None = None):
    """A queue with unfinished items whose deadline is within
    ``ROBOTS_DEADLINE_WARNING_HOURS`` or past (critical when past); one alert per queue."""
    ensure_schema_of(organisation)
    now = now or timezone.now()
    hours = settings.ROBOTS_DEADLINE_WARNING_HOURS
    at_risk = _not_finished() & Q(items__deadline__lte=now + timedelta(hours=hours))
    queues = list(
        WorkQueue.objects.select_related("deployment__process_owner")
        .annotate(
            at_risk=Count("items", filter=at_risk),
            overdue=Count("items", filter=at_risk & Q(items__deadline__lt=now)),
            earliest=Min("items__deadline", filter=at_risk),
        )
        .filter(at_risk__gt=0)
    )
    member_owners = _member_owners(organisation) if queues else ()
    findings = [
        Finding(
            key=f"deadline_at_risk:{organisation.pk}:queue:{queue.pk}",
            organisation=organisation,
            severity=Severity.CRITICAL if queue.overdue else Severity.WARNING,
            subject_type=Subject.QUEUE,
            subject_id=queue.pk,
            subject_label=queue.name,
            message=gettext_noop(
                "%(count)s items in the queue %(queue)s (%(member)s) are due within "
                "%(hours)s hours or overdue (%(overdue)s overdue); the first deadline "
                "is %(deadline)s."
            ),
            params={
                "count": queue.at_risk,
                "overdue": queue.overdue,
                "queue": queue.name,
                "member": organisation.name,
                "hours": hours,
                "deadline": _local(queue.earliest),
            },
            owners=_queue_owners(queue, member_owners),
        )
        for queue in queues
    ]
    return sync_alerts(Kind.DEADLINE_AT_RISK, findings, member=organisation, now=now)


def detect_expiring_credentials(organisation: Organisation, *, now: datetime | None = None):
    """A credential expiring within 30 days or expired; cleared when renewed or deleted.
    Tells the process owners of the deployments that use it (else the member's owners)."""
    ensure_schema_of(organisation)
    now = now or timezone.now()
    today = timezone.localdate(now)
    credentials = list(
        expiring_credentials(EXPIRY_WARNING_DAYS, today=today).prefetch_related(
            Prefetch(
                "allowed_deployments",
                queryset=Deployment.objects.select_related("process_owner"),
            )
        )
    )
    member_owners = _member_owners(organisation) if credentials else ()
    findings = []
    for credential in credentials:
        expired = credential.is_expired(today)
        owners = tuple(
            deployment.process_owner for deployment in credential.allowed_deployments.all()
        )
        findings.append(
            Finding(
                key=f"credential_expiring:{organisation.pk}:credential:{credential.pk}",
                organisation=organisation,
                severity=Severity.CRITICAL if expired else Severity.WARNING,
                subject_type=Subject.CREDENTIAL,
                subject_id=credential.pk,
                subject_label=credential.name,
                message=gettext_noop("The credential %(name)s (%(member)s) expired on %(date)s.")
                if expired
                else gettext_noop("The credential %(name)s (%(member)s) expires on %(date)s."),
                params={
                    "name": credential.name,
                    "member": organisation.name,
                    "date": f"{credential.expires_on:%d.%m.%Y}",
                },
                occurrence=credential.expires_on.isoformat(),
                owners=owners or member_owners,
            )
        )
    return sync_alerts(Kind.CREDENTIAL_EXPIRING, findings, member=organisation, now=now)


def _each(task: str, detectors: dict, *, organisation: Organisation | None = None) -> dict:
    """Run each detector on its own: one that fails (a row it cannot read) is alerted as
    ``task_failed`` and the others still run. A failed detector's result is None."""
    found = {}
    for kind, detect in detectors.items():
        found[kind] = None
        with isolated_row(
            task,
            f"the {kind} detector",
            organisation_id=organisation.pk if organisation is not None else None,
        ):
            found[kind] = asdict(detect())
    return found


def detect_office_problems(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return _each(
        TASK,
        {
            Kind.FAILED_RUN: lambda: detect_failed_runs(now=now),
            Kind.MISSED_SCHEDULE: lambda: detect_missed_schedules(now=now),
            Kind.RUNNER_SILENT: lambda: detect_silent_runners(now=now),
        },
    )


def detect_member_problems(organisation: Organisation, *, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return _each(
        MEMBER_TASK,
        {
            Kind.QUEUE_SLA: lambda: detect_queues_past_sla(organisation, now=now),
            Kind.DEADLINE_AT_RISK: lambda: detect_deadlines_at_risk(organisation, now=now),
            Kind.CREDENTIAL_EXPIRING: lambda: detect_expiring_credentials(organisation, now=now),
        },
        organisation=organisation,
    )
