"""The job queue's only writer: enqueue, claim, heartbeat, stop, complete, expire leases.

The queue is one table in ``public``. A runner claims the next job with ``SELECT … FOR
UPDATE SKIP LOCKED``; the per-deployment and per-member limits are checked again under a
transaction-scoped advisory lock on the member, so two runners claiming at once never
exceed them. Times are the server's: they are what the member is billed for. Queued jobs
of a paused deployment wait (runners skip them) until it is resumed; running ones go on.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from catalog import audit
from catalog.parameters import validate_parameters
from robots.models import Deployment, Job, Runner
from robots.schedules import is_danish_holiday, last_fire_time
from robots.workitems.selectors import waiting_per_deployment
from tenants.models import hash_secret

Status = Job.Status
CLAIM_ATTEMPTS = 5
# Advisory-lock namespace for claims of one member's jobs (first key of the pair).
CLAIM_LOCK_NAMESPACE = 0x524B
# How many members' best jobs a claim considers when the best member is being claimed from.
CANDIDATES = 4


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.ROBOTS_LEASE_SECONDS)


class DeploymentNotActive(ValidationError):
    """The deployment is paused or retired: it starts no runs."""


@transaction.atomic
def enqueue(
    *, deployment: Deployment, trigger: str, actor=None, scheduled_for=None, parameters=None
) -> Job:
    """Queue a run of an active deployment, optionally with parameters for this run only
    (validated, over the deployment's own, against the robot's schema)."""
    if deployment.status != Deployment.Status.ACTIVE:
        raise DeploymentNotActive(
            _("%(name)s is %(status)s: only an active deployment runs.")
            % {"name": deployment.name, "status": deployment.get_status_display()},
            code="not_active",
        )
    if parameters:
        validate_parameters(
            deployment.robot_version.robot.parameters_schema,
            {**deployment.parameters, **parameters},
            field_prefix="parameters.",
        )
    job = Job.objects.create(
        deployment=deployment,
        organisation_id=deployment.organisation_id,
        trigger=trigger,
        priority=deployment.priority,
        pool=deployment.pool,
        required_labels=deployment.required_labels,
        max_attempts=deployment.max_attempts,
        scheduled_for=scheduled_for,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
        parameters=parameters or {},
    )
    if actor is not None:
        changes = {"deployment": deployment.pk, "trigger": trigger}
        if parameters:
            changes["parameters"] = parameters
        audit.record(
            actor=actor,
            action="robots.job.queued",
            target=job,
            organisation=deployment.organisation,
            changes=changes,
        )
    return job


# The jobs a runner may take next, best first, one per member (at most CANDIDATES).
#
# Per member that may run one more job, the member's best claimable job (highest
# priority, then oldest) comes from the partial index of queued jobs; only those few
# candidates are ordered: priority, then the member with fewest running jobs, then the
# member whose turn was longest ago, then age. Within a member the order is the same, so
# this is the best job overall. SKIP LOCKED lets concurrent claimers pass each other: the
# candidate rows are locked until the claim's transaction ends. The runner's own limit is
# checked in the same statement. Counts of running jobs come from small partial indexes.
CANDIDATE_SQL = """
SELECT candidate.id, candidate.organisation_id
FROM (
    SELECT j.id, j.organisation_id
    FROM (
        SELECT o.id, o.jobs_last_claimed_at,
               (SELECT count(*) FROM robots_job r
                WHERE r.status = 'running' AND r.organisation_id = o.id) AS running,
               o.max_concurrent_jobs
        FROM tenants_organisation o
        WHERE NOT (o.id = ANY(%(skip)s))
    ) member
    CROSS JOIN LATERAL (
        SELECT q.id, q.organisation_id, q.priority, q.queued_at
        FROM robots_job q
        WHERE q.organisation_id = member.id
          AND q.status = 'queued'
          AND q.pool = %(pool)s
          AND q.not_before <= %(now)s
          -- Most jobs need no label: said first, the planner counts on that (it cannot
          -- estimate <@ without element statistics) and reads the index in claim order.
          AND (q.required_labels = '{}' OR q.required_labels <@ %(labels)s::varchar[])
          AND EXISTS (
              SELECT FROM robots_deployment d
              WHERE d.id = q.deployment_id
                AND d.status = 'active'
                AND (SELECT count(*) FROM robots_job r
                     WHERE r.status = 'running' AND r.deployment_id = d.id) < d.max_concurrency
          )
        ORDER BY q.priority DESC, q.queued_at ASC, q.id ASC
        LIMIT 1
        FOR UPDATE OF q SKIP LOCKED
    ) j
    WHERE member.running < member.max_concurrent_jobs
      AND (SELECT count(*) FROM robots_job r
           WHERE r.status = 'running' AND r.runner_id = %(runner)s) < %(runner_limit)s
    ORDER BY j.priority DESC,
             member.running ASC,
             member.jobs_last_claimed_at ASC NULLS FIRST,
             j.queued_at ASC,
             j.id ASC
    LIMIT %(candidates)s
) candidate
"""

# Start the candidate if the member's and the deployment's limits still allow it, counted
# after the member's advisory lock was taken (this statement's snapshot sees every claim
# committed before), and note the member's turn.
START_SQL = """
WITH started AS (
    UPDATE robots_job j
    SET status = 'running', runner_id = %(runner)s, started_at = %(started)s,
        lease_expires_at = %(lease)s, attempts = j.attempts + 1, token_hash = %(token_hash)s
    FROM robots_deployment d, tenants_organisation o
    WHERE j.id = %(job)s
      AND d.id = j.deployment_id
      AND o.id = j.organisation_id
      AND (SELECT count(*) FROM robots_job r
           WHERE r.status = 'running' AND r.deployment_id = j.deployment_id) < d.max_concurrency
      AND (SELECT count(*) FROM robots_job r
           WHERE r.status = 'running' AND r.organisation_id = j.organisation_id)
          < o.max_concurrent_jobs
    RETURNING j.*
), turn AS (
    UPDATE tenants_organisation SET jobs_last_claimed_at = %(started)s
    WHERE id IN (SELECT organisation_id FROM started)
)
SELECT * FROM started
"""


def _lock_a_member(cursor, candidates: list[tuple[int, int]]) -> tuple[int, int]:
    """The best candidate whose member no other claim holds right now, with the member's
    advisory lock; when every member is busy, the best one after waiting for its lock.
    Concurrent claims thus spread over members instead of queueing behind one."""
    for job_id, organisation_id in candidates:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [CLAIM_LOCK_NAMESPACE, organisation_id]
        )
        if cursor.fetchone()[0]:
            return job_id, organisation_id
    job_id, organisation_id = candidates[0]
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [CLAIM_LOCK_NAMESPACE, organisation_id])
    return job_id, organisation_id


def claim(runner: Runner, *, now=None) -> tuple[Job, str] | None:
    """The next job this runner may run, leased to it, with the job's one-time token;
    None when there is nothing for it (or it already runs as many jobs as it may)."""
    if not runner.is_active:
        return None
    skip: list[int] = []
    for _attempt in range(CLAIM_ATTEMPTS):
        with transaction.atomic():
            now = now or timezone.now()
            with connection.cursor() as cursor:
                cursor.execute(
                    CANDIDATE_SQL,
                    {
                        "candidates": CANDIDATES,
                        "now": now,
                        "pool": runner.pool,
                        "labels": list(runner.labels),
                        "skip": skip,
                        "runner": runner.pk,
                        "runner_limit": runner.max_concurrency,
                    },
                )
                candidates = cursor.fetchall()
                if not candidates:
                    return None
                job_id, organisation_id = _lock_a_member(cursor, candidates)
            token = secrets.token_urlsafe(32)
            started = timezone.now()
            job = next(
                iter(
                    Job.objects.raw(
                        START_SQL,
                        {
                            "job": job_id,
                            "runner": runner.pk,
                            "started": started,
                            "lease": started + lease_duration(),
                            "token_hash": hash_secret(token),
                        },
                    )
                ),
                None,
            )
            if job is None:
                skip.append(organisation_id)
                continue
            job.runner = runner
            return job, token
    return None


def heartbeat(runner: Runner, *, job_ids, now=None) -> dict[int, str]:
    """The runner is alive: renew the leases of its running jobs and tell it, per job,
    whether to ``continue``, ``stop`` or ``kill``; jobs no longer its own say ``abandon``."""
    now = now or timezone.now()
    with transaction.atomic():
        Runner.objects.filter(pk=runner.pk).update(last_heartbeat_at=now)
        mine = Job.objects.filter(runner=runner, status=Status.RUNNING, pk__in=list(job_ids))
        mine.update(lease_expires_at=now + lease_duration())
        answers = {}
        for job in mine.only("pk", "stop_requested_at", "kill_requested"):
            if job.kill_requested:
                answers[job.pk] = "kill"
            elif job.stop_requested_at:
                answers[job.pk] = "stop"
            else:
                answers[job.pk] = "continue"
    return {int(pk): answers.get(int(pk), "abandon") for pk in job_ids}


@transaction.atomic
def request_stop(*, job: Job, actor, kill: bool = False) -> Job:
    """Stop a job: a queued one is cancelled at once, a running one is told on its runner's
    next heartbeat (``kill`` ends it without letting the robot clean up)."""
    job = Job.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=job.pk)
    if job.status in Job.FINISHED:
        raise ValidationError(_("The job has already ended."))
    now = timezone.now()
    if job.status == Status.QUEUED:
        job.status = Status.CANCELLED
        job.finished_at = now
        job.message = _("Cancelled before it started.")
    else:
        job.stop_requested_at = job.stop_requested_at or now
        job.kill_requested = job.kill_requested or kill
    job.save()
    audit.record(
        actor=actor,
        action="robots.job.kill_requested" if kill else "robots.job.stop_requested",
        target=job,
        organisation=job.organisation,
        changes={"status": job.status},
    )
    return job


class NotYourJob(Exception):
    """The runner reports on a job it no longer holds (its lease expired and it moved on)."""

    def __init__(self, job: Job):
        super().__init__(job.pk)
        self.job = job


@transaction.atomic
def complete(
    runner: Runner,
    job_id: int,
    *,
    succeeded: bool,
    exit_code=None,
    message: str = "",
    token: str | None = None,
) -> Job:
    """The runner reports the end of a job. Reporting the same end again changes nothing.

    ``token`` is the job token of the claim being reported on: with it, a late report from
    an earlier claim (the lease ran out and the job was failed, or queued again and claimed
    anew — perhaps by the same runner, restarted) is refused instead of ending the current
    claim's run. The token's hash stays on the finished job so a repeated report is known.
    """
    job = Job.objects.select_for_update().get(pk=job_id)
    this_claim = token is None or (bool(job.token_hash) and job.token_hash == hash_secret(token))
    if job.status in Job.FINISHED and job.runner_id == runner.pk and this_claim:
        return job  # a repeated report: already recorded
    if job.status != Status.RUNNING or job.runner_id != runner.pk or not this_claim:
        raise NotYourJob(job)
    job.finished_at = max(timezone.now(), job.started_at)
    if job.stop_requested_at:
        job.status = Status.CANCELLED
    else:
        job.status = Status.SUCCEEDED if succeeded else Status.FAILED
    job.exit_code = exit_code
    job.message = message[:5000]
    job.lease_expires_at = None
    job.save(update_fields=["finished_at", "status", "exit_code", "message", "lease_expires_at"])
    return job


def expire_leases(*, now=None) -> dict[str, int]:
    """Jobs whose runner stopped renewing the lease: queued again while attempts remain
    (the earlier attempt is not billed: only a job's final run has start and end), else
    failed at the moment the lease ran out."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0}
    with transaction.atomic():
        expired = Job.objects.select_for_update(skip_locked=True).filter(
            status=Status.RUNNING, lease_expires_at__lt=now
        )
        for job in expired:
            if job.attempts < job.max_attempts and not job.stop_requested_at:
                job.status = Status.QUEUED
                job.runner = None
                job.started_at = None
                job.lease_expires_at = None
                job.token_hash = ""
                job.queued_at = now
                job.message = _("The runner went silent; the job is queued again.")
                counts["requeued"] += 1
            else:
                job.status = Status.FAILED
                job.finished_at = max(job.lease_expires_at, job.started_at)
                job.lease_expires_at = None
                job.token_hash = ""
                job.message = _("The runner went silent and the job has no attempts left.")
                counts["failed"] += 1
            job.save()
    return counts


def enqueue_due_schedules(*, now=None) -> int:
    """Queue one job per active deployment whose schedule has fired since it last did;
    returns how many were queued. Safe to run from several beat processes at once."""
    now = now or timezone.now()
    queued = 0
    scheduled = Deployment.objects.filter(status=Deployment.Status.ACTIVE).exclude(schedule="")
    for deployment in scheduled.only("pk", "schedule", "last_scheduled_for", "created_at"):
        fire = last_fire_time(deployment.schedule, now)
        if fire < deployment.created_at or (
            deployment.last_scheduled_for and fire <= deployment.last_scheduled_for
        ):
            continue
        with transaction.atomic():
            deployment = (
                Deployment.objects.select_for_update(skip_locked=True)
                .filter(pk=deployment.pk)
                .first()
            )
            if deployment is None or (
                deployment.last_scheduled_for and fire <= deployment.last_scheduled_for
            ):
                continue  # another beat process has it
            deployment.last_scheduled_for = fire
            deployment.save(update_fields=["last_scheduled_for"])
            if deployment.skip_holidays and is_danish_holiday(fire):
                continue
            enqueue(deployment=deployment, trigger=Job.Trigger.SCHEDULE, scheduled_for=fire)
            queued += 1
    return queued


def enqueue_queue_triggers(*, now=None) -> int:
    """Queue the jobs the queue triggers want: per active deployment with a trigger, the
    items waiting in its work queues decide how many jobs should be queued or running
    (``Deployment.queue_trigger_jobs_wanted``); the missing ones are queued. Jobs already
    queued or running count, whatever started them, so running this again (or from
    several beat processes at once) queues nothing more. Returns how many were queued.
    One query per member schema counts the waiting items."""
    now = now or timezone.now()
    triggered = Deployment.objects.filter(
        status=Deployment.Status.ACTIVE,
        queue_trigger_min_items__isnull=False,
        organisation__is_active=True,
    ).values_list("pk", "organisation__schema_name")
    by_schema: dict[str, list[int]] = {}
    for pk, schema_name in triggered:
        by_schema.setdefault(schema_name, []).append(pk)
    queued = 0
    for schema_name, deployment_ids in by_schema.items():
        with schema_context(schema_name):
            waiting = waiting_per_deployment(now)
        for deployment_id in deployment_ids:
            if waiting.get(deployment_id):
                queued += _top_up(deployment_id, waiting[deployment_id])
    return queued


@transaction.atomic
def _top_up(deployment_id: int, waiting: int) -> int:
    deployment = (
        Deployment.objects.select_for_update(skip_locked=True)
        .select_related("organisation")
        .filter(pk=deployment_id, status=Deployment.Status.ACTIVE)
        .first()
    )
    if deployment is None:
        return 0  # paused meanwhile, or another beat process has it
    open_jobs = Job.objects.filter(
        deployment=deployment, status__in=[Status.QUEUED, Status.RUNNING]
    ).count()
    missing = deployment.queue_trigger_jobs_wanted(waiting) - open_jobs
    for _job in range(missing):
        enqueue(deployment=deployment, trigger=Job.Trigger.QUEUE)
    return max(missing, 0)
