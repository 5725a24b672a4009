"""Reads of execution data in ``public``, scoped to the caller's organisation."""

from dataclasses import dataclass, replace
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
    """What a robot's call on the work-item API needs of its running job. ``token_hash`` is
    its token's: a statement that acts for the job checks with it that the job still runs
    (``verified`` False: read earlier by this process, not yet checked in this request)."""

    pk: int
    deployment_id: int
    schema_name: str
    first_work_item: int | None
    token_hash: str = ""
    verified: bool = True


_RUNNING_JOB_SQL = f"""
SELECT j.id, j.deployment_id, o.schema_name, j.first_work_item, j.token_hash
FROM {Job._meta.db_table} j JOIN {Organisation._meta.db_table} o ON o.id = j.organisation_id
WHERE j.token_hash = %s AND j.status = %s
"""
# The jobs this process last read by their tokens: a job's id, deployment and schema never
# change, so a robot's next call knows where its items are without reading them again.
_KNOWN: dict[str, RunningJob] = {}
KNOWN_JOBS_MAX = 10_000


def running_job_by_token(token: str) -> RunningJob | None:
    """``running_job_for_token`` for a robot's reserve or release, the calls it makes for
    every item: only what they need, in one plain statement (no models built)."""
    return running_job_by_token_hash(hash_secret(token)) if token else None


def running_job_by_token_hash(token_hash: str) -> RunningJob | None:
    with connection.cursor() as cursor:
        cursor.execute(_RUNNING_JOB_SQL, [token_hash, Job.Status.RUNNING])
        row = cursor.fetchone()
    if row is None:
        _KNOWN.pop(token_hash, None)
        return None
    job = RunningJob(*row)
    if len(_KNOWN) >= KNOWN_JOBS_MAX:
        _KNOWN.clear()
    _KNOWN[token_hash] = replace(job, verified=False)
    return job


def known_running_job(token: str) -> RunningJob | None:
    """The job this process read for ``token`` before (``verified`` False), without asking
    the database, or else ``running_job_by_token``. Whoever acts on an unverified job
    checks in the same statement that it still runs with this token (the work-item
    services' ``job_runs``), or calls ``running_job_by_token`` first."""
    if not token:
        return None
    return _KNOWN.get(hash_secret(token)) or running_job_by_token(token)


def forget_first_work_item(job: RunningJob) -> None:
    """The run's first input was handed over: the next reserve need not look for it."""
    if job.token_hash in _KNOWN:
        _KNOWN[job.token_hash] = replace(job, first_work_item=None, verified=False)


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
