"""The job queue's only writer: enqueue, claim (with the job's credentials), heartbeat, stop,
complete, expire leases, queue the runs schedules want.

The queue is one table in ``public``. A runner claims the next job with ``SELECT … FOR
UPDATE SKIP LOCKED``; the per-deployment and per-member limits are checked again under a
transaction-scoped advisory lock on the member, so two runners claiming at once never
exceed them. Times are the server's: they are what the member is billed for. Queued jobs
of a paused deployment wait (runners skip them) until it is resumed; running ones go on.
"""

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.parameters import validate_parameters
from core import audit
from core.tasks import isolated_row
from robots.credentials import services as credentials
from robots.models import Deployment, Job, Runner
from robots.schedules import is_danish_holiday, last_fire_time
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


RETRYABLE = (Status.FAILED, Status.CANCELLED)


@transaction.atomic
def retry(*, job: Job, actor) -> Job:
    """Try a failed or cancelled run again: a new job of the same deployment with the same
    parameters for the run, queued by hand (the deployment must be active). Audited on both
    jobs: the new one as queued, the old one as retried."""
    if job.status not in RETRYABLE:
        raise ValidationError(
            _("Only a failed or cancelled run can be tried again; #%(job)s is %(status)s.")
            % {"job": job.pk, "status": job.get_status_display()},
            code="not_retryable",
        )
    retried = enqueue(
        deployment=job.deployment,
        trigger=Job.Trigger.MANUAL,
        actor=actor,
        parameters=job.parameters or None,
    )
    audit.record(
        actor=actor,
        action="robots.job.retried",
        target=job,
        organisation=job.organisation,
        changes={"retry": retried.pk},
    )
    return retried


class UnknownRunner(Exception):
    """No active runner holds the token a claim was made with."""


@dataclass
class Claim:
    """A job leased to a runner, with the job's one-time token. ``details`` is what the
    runner needs of the job, as ``robots_claim_job`` returns it (``robots/sql/claim_job.sql``):
    ids, names, the robot's package and kind, the effective parameters, and whether the
    deployment was granted credentials (only then are the member's credentials read)."""

    runner_id: int
    details: dict
    token: str

    @property
    def job_id(self) -> int:
        return self.details["id"]

    @property
    def has_credentials(self) -> bool:
        return self.details["has_credentials"]

    @property
    def has_work_queues(self) -> bool:
        return self.details.get("has_work_queues", False)

    @cached_property
    def job(self) -> Job:
        return Job.objects.select_related(
            "organisation", "runner", "deployment__robot_version__robot"
        ).get(pk=self.job_id)


def claim_with_token(runner_token: str, *, now=None) -> Claim | None:
    """The next job the runner holding ``runner_token`` may run, leased to it, with the
    job's one-time token; None when there is nothing for it (or it already runs as many
    jobs as it may). Raises ``UnknownRunner`` for an unknown or revoked token.

    One call of the database function ``robots_claim_job``, which checks the token and
    claims (``robots/sql/claim_job.sql`` explains the order and the locks); being one
    statement, it is its own transaction in autocommit, and its locks end with it."""
    return _claim(hash_secret(runner_token), now=now)


def claim_with_credentials(runner_token: str) -> tuple[Claim, dict[str, str]] | None:
    """``claim_with_token``, with the claimed job's credentials (name → secret; empty when the
    deployment was granted none). A job whose credentials are refused (expired) fails at once
    with the reason, and the next job is claimed. Raises ``UnknownRunner`` as it does."""
    while claimed := claim_with_token(runner_token):
        job_secrets = {}
        if claimed.has_credentials:
            job = claimed.job
            job.deployment.organisation = job.organisation  # saves a query
            try:
                job_secrets = credentials.secrets_for_job(
                    deployment=job.deployment, job_reference=f"job {job.pk}"
                )
            except credentials.CredentialRefused as refused:
                complete(job.runner, job.pk, succeeded=False, message=refused.messages[0])
                continue
        return claimed, job_secrets
    return None


def claim(runner: Runner, *, now=None) -> Claim | None:
    """``claim_with_token`` for a runner at hand: None when it is revoked."""
    try:
        return _claim(runner.token_hash, now=now)
    except UnknownRunner:
        return None


def _claim(runner_token_hash: str, *, now) -> Claim | None:
    token = secrets.token_urlsafe(32)
    started = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT claimed_by, claimed FROM robots_claim_job(%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                runner_token_hash,
                now or started,
                started,
                lease_duration(),
                hash_secret(token),
                CANDIDATES,
                CLAIM_ATTEMPTS,
                CLAIM_LOCK_NAMESPACE,
            ],
        )
        runner_id, details = cursor.fetchone()
    if runner_id is None:
        raise UnknownRunner
    if details is None:
        return None
    # Django reads json(b) as text (its JSONField decodes), in raw queries too.
    return Claim(runner_id=runner_id, details=json.loads(details), token=token)


def note_first_work_item(job_id: int, item_id: int) -> None:
    """Record the input reserved for the job's run at its claim (``RC_WORKITEM_ID``)."""
    Job.objects.filter(pk=job_id).update(first_work_item=item_id)


def take_first_work_item(job_id: int) -> int | None:
    """The input reserved at the claim, once: for a robot that asks for its next item over
    our own API instead of reading ``RC_WORKITEM_ID``."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).only("first_work_item").first()
        if job is None or job.first_work_item is None:
            return None
        item_id, job.first_work_item = job.first_work_item, None
        job.save(update_fields=["first_work_item"])
    return item_id


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


def expire_leases(*, now=None, on_expired=None) -> dict[str, int]:
    """Jobs whose runner stopped renewing the lease: queued again while attempts remain
    (the earlier attempt is not billed: only a job's final run has start and end), else
    failed at the moment the lease ran out. ``on_expired(job, first_work_item)`` is called
    for each, in the transaction (the input reserved at the claim is forgotten on the job)."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0}
    with transaction.atomic():
        expired = Job.objects.select_for_update(skip_locked=True).filter(
            status=Status.RUNNING, lease_expires_at__lt=now
        )
        for job in expired:
            with isolated_row(
                LEASE_TASK,
                f"job {job.pk}",
                subject=("job", job.pk),
                organisation_id=job.organisation_id,
            ):
                counts[_expire(job, now, on_expired)] += 1
    return counts


LEASE_TASK = "robots.tasks.expire_job_leases"


def _expire(job: Job, now, on_expired) -> str:
    if job.attempts < job.max_attempts and not job.stop_requested_at:
        job.status = Status.QUEUED
        job.runner = None
        job.started_at = None
        job.lease_expires_at = None
        job.token_hash = ""
        job.queued_at = now
        job.message = _("The runner went silent; the job is queued again.")
        outcome = "requeued"
    else:
        job.status = Status.FAILED
        job.finished_at = max(job.lease_expires_at, job.started_at)
        job.lease_expires_at = None
        job.token_hash = ""
        job.message = _("The runner went silent and the job has no attempts left.")
        outcome = "failed"
    first_work_item, job.first_work_item = job.first_work_item, None
    job.save()
    if on_expired is not None:
        on_expired(job, first_work_item)
    return outcome


SCHEDULE_TASK = "robots.tasks.enqueue_scheduled_jobs"


def enqueue_due_schedules(*, now=None) -> int:
    """Queue one job per active deployment whose schedule has fired since it last did;
    returns how many were queued. Safe to run from several beat processes at once.

    Each deployment on its own (``isolated_row``): one whose schedule cannot be read (say a
    cron that never fires, written before such were refused) is left unchanged and alerted,
    and every other deployment's jobs still start."""
    now = now or timezone.now()
    queued = 0
    scheduled = Deployment.objects.filter(status=Deployment.Status.ACTIVE).exclude(schedule="")
    fields = ("pk", "name", "organisation_id", "schedule", "last_scheduled_for", "created_at")
    for deployment in scheduled.only(*fields):
        with isolated_row(
            SCHEDULE_TASK,
            f"{deployment.name} ({deployment.schedule})",
            subject=("deployment", deployment.pk),
            organisation_id=deployment.organisation_id,
        ):
            queued += _enqueue_if_due(deployment, now)
    return queued


def _enqueue_if_due(deployment: Deployment, now) -> int:
    """Runs inside the row's transaction (``isolated_row``)."""
    fire = last_fire_time(deployment.schedule, now)
    if fire < deployment.created_at or (
        deployment.last_scheduled_for and fire <= deployment.last_scheduled_for
    ):
        return 0
    deployment = Deployment.objects.select_for_update(skip_locked=True).filter(pk=deployment.pk)
    deployment = deployment.first()
    if deployment is None or (
        deployment.last_scheduled_for and fire <= deployment.last_scheduled_for
    ):
        return 0  # another beat process has it
    deployment.last_scheduled_for = fire
    deployment.save(update_fields=["last_scheduled_for"])
    if deployment.skip_holidays and is_danish_holiday(fire):
        return 0
    enqueue(deployment=deployment, trigger=Job.Trigger.SCHEDULE, scheduled_for=fire)
    return 1
