"""Claiming jobs: the runner's claim path (``robots.jobs.claim`` with its per-member
fairness and limits, then ``complete``) vs a bare ``SELECT … FOR UPDATE SKIP LOCKED`` +
``UPDATE`` loop over the same job rows, reset to queued.

The jobs live in a pool of their own, so no real runner takes them and the benchmark
claims no one else's jobs. The deployments and the runner are made directly rather than
through their services: those write audit events, which are append-only, and the
benchmark must leave nothing behind. Neither measured path writes audit events.
"""

import secrets
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from bench import members
from catalog.models import Robot, RobotVersion
from robots import jobs
from robots.models import Deployment, Job, Runner
from tenants import services
from tenants.models import User, hash_secret

SLUG_PREFIX = "benchclaims-"
POOL = "benchmark-claims"
RUNNER_NAME = "benchmark-claims"
ROBOT_SLUG = "benchmark-claims"
OWNER_EMAIL = "benchmark-claims@robotkontor.invalid"
REVIEWER_EMAIL = "benchmark-claims-reviewer@robotkontor.invalid"
Status = Job.Status

RAW_CLAIM_SQL = f"""
SELECT id FROM {Job._meta.db_table}
WHERE status = 'queued' AND pool = %s
ORDER BY priority DESC, queued_at ASC, id ASC
LIMIT 1
FOR UPDATE SKIP LOCKED
"""
RAW_START_SQL = f"""
UPDATE {Job._meta.db_table}
SET status = 'running', runner_id = %s, started_at = now(),
    lease_expires_at = now() + interval '90 seconds', attempts = attempts + 1
WHERE id = %s
"""
RAW_FINISH_SQL = f"""
UPDATE {Job._meta.db_table}
SET status = 'succeeded', finished_at = now(), lease_expires_at = NULL
WHERE id = %s
"""


@dataclass
class Result:
    jobs: int
    members: int
    deployments: int
    ours_claimed: int
    ours_seconds: float
    raw_claimed: int
    raw_seconds: float

    @property
    def ours_per_second(self) -> float:
        return self.ours_claimed / self.ours_seconds

    @property
    def raw_per_second(self) -> float:
        return self.raw_claimed / self.raw_seconds


def cleanup() -> None:
    connection.set_schema_to_public()
    Job.objects.filter(organisation__slug__startswith=SLUG_PREFIX).delete()
    Deployment.objects.filter(organisation__slug__startswith=SLUG_PREFIX).delete()
    Runner.objects.filter(name=RUNNER_NAME).delete()
    RobotVersion.objects.filter(robot__slug=ROBOT_SLUG).delete()
    Robot.objects.filter(slug=ROBOT_SLUG).delete()
    User.objects.filter(email__in=[OWNER_EMAIL, REVIEWER_EMAIL]).delete()
    members.remove(SLUG_PREFIX)


def _robot_version(owner: User) -> RobotVersion:
    """A robot version in production, made directly: the catalog's review is not measured."""
    reviewer = services.create_user(email=REVIEWER_EMAIL, password=None, full_name="Reviewer")
    now = timezone.now()
    robot = Robot.objects.create(
        slug=ROBOT_SLUG,
        kind=Robot.Kind.RPA,
        name_da="Benchmark",
        summary_da="Benchmark of job claims",
        category="rental",
    )
    return RobotVersion.objects.create(
        robot=robot,
        version="1.0.0",
        git_repository="https://git.robotkontor.invalid/benchmark.git",
        git_commit="0" * 40,
        author=owner,
        status=RobotVersion.Status.PRODUCTION,
        test_passed_at=now,
        test_passed_by=reviewer,
        approved_at=now,
        approved_by=reviewer,
        released_at=now,
    )


def _set_up(job_count: int, member_count: int, deployments_per_member: int) -> Runner:
    owner = services.create_user(email=OWNER_EMAIL, password=None, full_name="Benchmark")
    version = _robot_version(owner)
    queue = []
    for index in range(member_count):
        organisation = members.provision(SLUG_PREFIX, index, cvr_start=41000000)
        for number in range(deployments_per_member):
            deployment = Deployment(
                organisation=organisation,
                robot_version=version,
                name=f"Benchmark {number}",
                process_owner=owner,
                pool=POOL,
            )
            deployment.full_clean()
            deployment.save()
            queue.append(deployment)
    for index in range(job_count):
        jobs.enqueue(deployment=queue[index % len(queue)], trigger=Job.Trigger.MANUAL)
    token = Runner.TOKEN_PREFIX + secrets.token_urlsafe(32)
    return Runner.objects.create(
        name=RUNNER_NAME, pool=POOL, token_prefix=token[:12], token_hash=hash_secret(token)
    )


def _claim_all_ours(runner: Runner) -> int:
    claimed = 0
    while (claim := jobs.claim(runner)) is not None:
        job, _token = claim
        jobs.complete(runner, job.pk, succeeded=True)
        claimed += 1
    return claimed


def _reset_jobs() -> None:
    Job.objects.filter(pool=POOL).update(
        status=Status.QUEUED,
        runner=None,
        started_at=None,
        finished_at=None,
        lease_expires_at=None,
        attempts=0,
        token_hash="",
        exit_code=None,
    )


def _claim_all_raw(runner: Runner) -> int:
    claimed = 0
    with connection.cursor() as cursor:
        while True:
            with transaction.atomic():
                cursor.execute(RAW_CLAIM_SQL, [POOL])
                row = cursor.fetchone()
                if row is None:
                    return claimed
                cursor.execute(RAW_START_SQL, [runner.pk, row[0]])
            with transaction.atomic():
                cursor.execute(RAW_FINISH_SQL, [row[0]])
            claimed += 1


def run(jobs_count: int = 2000, member_count: int = 4, deployments_per_member: int = 2) -> Result:
    cleanup()
    try:
        runner = _set_up(jobs_count, member_count, deployments_per_member)
        started = time.perf_counter()
        ours_claimed = _claim_all_ours(runner)
        ours_seconds = time.perf_counter() - started
        _reset_jobs()
        started = time.perf_counter()
        raw_claimed = _claim_all_raw(runner)
        raw_seconds = time.perf_counter() - started
    finally:
        cleanup()
    return Result(
        jobs=jobs_count,
        members=member_count,
        deployments=member_count * deployments_per_member,
        ours_claimed=ours_claimed,
        ours_seconds=ours_seconds,
        raw_claimed=raw_claimed,
        raw_seconds=raw_seconds,
    )


def report(result: Result) -> str:
    ratio = result.ours_per_second / result.raw_per_second
    return "\n".join(
        [
            f"Claiming and completing {result.jobs} jobs of {result.members} members "
            f"({result.deployments} deployments), one runner",
            f"  {'raw SKIP LOCKED (baseline)':<28}{result.raw_per_second:>10.0f} claims/s"
            f"  ({result.raw_claimed} claimed)",
            f"  {'jobs.claim (ours)':<28}{result.ours_per_second:>10.0f} claims/s"
            f"  ({result.ours_claimed} claimed)",
            f"  {'ratio ours / raw':<28}{ratio:>10.2f} ×",
        ]
    )
