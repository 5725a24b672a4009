"""Reads of execution data in ``public``, scoped to the caller's organisation."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from robots.models import Deployment, Job, Runner
from robots.schedules import COPENHAGEN
from tenants.models import Organisation, hash_secret


def deployments_for(organisation: Organisation) -> QuerySet[Deployment]:
    deployments = Deployment.objects.select_related(
        "organisation", "robot_version__robot", "process_owner"
    )
    if organisation.is_office:
        return deployments
    return deployments.filter(organisation=organisation)


def deployment_for(organisation: Organisation, pk) -> Deployment:
    deployment = deployments_for(organisation).filter(pk=pk).first()
    if deployment is None:
        raise Http404
    return deployment


def runner_for_token(token: str) -> Runner | None:
    """The active runner holding this token, or None."""
    if not token.startswith(Runner.TOKEN_PREFIX):
        return None
    return Runner.objects.filter(token_hash=hash_secret(token), revoked_at__isnull=True).first()


def running_job_for_token(token: str) -> Job | None:
    """The running job a one-time job token (handed out with the claim) belongs to, or None."""
    if not token:
        return None
    return (
        Job.objects.select_related("organisation", "deployment")
        .filter(token_hash=hash_secret(token), status=Job.Status.RUNNING)
        .first()
    )


@dataclass(frozen=True)
class RunningJob:
    """What a robot's call on the work-item API needs of its running job."""

    pk: int
    deployment_id: int
    schema_name: str
    first_work_item: int | None


_RUNNING_JOB_SQL = f"""
SELECT j.id, j.deployment_id, o.schema_name, j.first_work_item
FROM {Job._meta.db_table} j JOIN {Organisation._meta.db_table} o ON o.id = j.organisation_id
WHERE j.token_hash = %s AND j.status = %s
"""


def running_job_by_token(token: str) -> RunningJob | None:
    """``running_job_for_token`` for a robot's reserve or release, the calls it makes for
    every item: only what they need, in one plain statement (no models built)."""
    if not token:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_RUNNING_JOB_SQL, [hash_secret(token), Job.Status.RUNNING])
        row = cursor.fetchone()
    return None if row is None else RunningJob(*row)


def jobs_for(organisation: Organisation):
    """Jobs, newest first: a member's own, or every member's on the office console."""
    jobs = Job.objects.select_related("deployment", "organisation", "runner")
    if organisation.is_office:
        return jobs
    return jobs.filter(organisation=organisation)


def filter_jobs(
    jobs: QuerySet[Job],
    *,
    since: date | None = None,
    until: date | None = None,
    member: Organisation | None = None,
    deployment: Deployment | None = None,
    runner: Runner | None = None,
    trigger: str = "",
    status: str = "",
) -> QuerySet[Job]:
    """The jobs queued in the period (Danish dates, both days included), of the member,
    deployment and runner, with the trigger and status given; what is not given is not
    filtered on."""
    if since:
        jobs = jobs.filter(queued_at__gte=_start_of(since))
    if until:
        jobs = jobs.filter(queued_at__lt=_start_of(until + timedelta(days=1)))
    if member:
        jobs = jobs.filter(organisation=member)
    if deployment:
        jobs = jobs.filter(deployment=deployment)
    if runner:
        jobs = jobs.filter(runner=runner)
    if trigger:
        jobs = jobs.filter(trigger=trigger)
    if status:
        jobs = jobs.filter(status=status)
    return jobs


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=COPENHAGEN)


def job_for(organisation: Organisation, pk) -> Job:
    job = jobs_for(organisation).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def fleet():
    """Every runner with its running jobs counted, in one query (on the small index of
    running jobs, whatever the history)."""
    running = (
        Job.objects.filter(runner=OuterRef("pk"), status=Job.Status.RUNNING)
        .order_by()
        .values("runner")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Runner.objects.annotate(running=Coalesce(Subquery(running), 0))
