"""A robot, deployments, runners and jobs the benchmarks make for themselves, all named
after a ``tag``, and remove again.

They are made directly rather than through their services: those write audit events,
which are append-only, and a benchmark must leave nothing behind. Jobs run in a pool named
after the tag, so no real runner takes them and a benchmark claims no one else's jobs.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from catalog.models import Robot, RobotVersion
from robots.models import Deployment, Job, Runner
from tenants import services
from tenants.models import Organisation, User, hash_secret


def _owner_email(tag: str) -> str:
    return f"{tag}@robotkontor.invalid"


def _reviewer_email(tag: str) -> str:
    return f"{tag}-reviewer@robotkontor.invalid"


def robot_version(tag: str) -> RobotVersion:
    """A robot version in production, made directly: the catalog's review is not measured."""
    owner = services.create_user(email=_owner_email(tag), password=None, full_name="Benchmark")
    reviewer = services.create_user(email=_reviewer_email(tag), password=None, full_name="Reviewer")
    now = timezone.now()
    robot = Robot.objects.create(
        slug=tag, kind=Robot.Kind.RPA, name_da="Benchmark", summary_da=tag, category="rental"
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


def deployment(
    tag: str, organisation: Organisation, version: RobotVersion, *, name: str, max_concurrency=1
) -> Deployment:
    made = Deployment(
        organisation=organisation,
        robot_version=version,
        name=name,
        process_owner=version.author,
        pool=tag,
        max_concurrency=max_concurrency,
    )
    made.full_clean()
    made.save()
    return made


def runner(tag: str, number: int, *, max_concurrency: int = 1) -> tuple[Runner, str]:
    token = Runner.TOKEN_PREFIX + secrets.token_urlsafe(32)
    made = Runner.objects.create(
        name=f"{tag}-{number}",
        pool=tag,
        max_concurrency=max_concurrency,
        token_prefix=token[:12],
        token_hash=hash_secret(token),
    )
    return made, token


def insert_jobs(tag: str, deployments: list[Deployment], count: int, *, finished: bool) -> None:
    """``count`` jobs spread over ``deployments`` in one statement: queued ones, or finished
    ones (succeeded over the past days, as a busy office's history)."""
    if count <= 0:
        return
    ids = [d.pk for d in deployments]
    organisations = [d.organisation_id for d in deployments]
    if finished:
        status = "'succeeded'"
        times = (
            "now() - (n || ' minutes')::interval - interval '2 minutes', "
            "now() - (n || ' minutes')::interval - interval '1 minute', "
            "now() - (n || ' minutes')::interval, "
            "1"
        )
    else:
        status = "'queued'"
        times = "now() + (n || ' microseconds')::interval, NULL, NULL, 0"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Job._meta.db_table} (
                status, trigger, priority, pool, required_labels, not_before, queued_at,
                started_at, finished_at, attempts, max_attempts, token_hash, kill_requested,
                message, parameters, deployment_id, organisation_id
            )
            SELECT {status}, 'manual', 0, %(pool)s, '{{}}', now() - interval '1 day', {times},
                   1, '', false, '', '{{}}',
                   (%(ids)s::bigint[])[1 + n %% %(size)s],
                   (%(organisations)s::bigint[])[1 + n %% %(size)s]
            FROM generate_series(1, %(count)s) AS n
            """,
            {
                "pool": tag,
                "ids": ids,
                "organisations": organisations,
                "size": len(ids),
                "count": count,
            },
        )


def remove(tag: str) -> None:
    """Remove the tag's jobs, runners, deployments, robot and users (not the members)."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Job._meta.db_table} WHERE pool = %s", [tag])
    Deployment.objects.filter(pool=tag).delete()
    Runner.objects.filter(pool=tag).delete()
    RobotVersion.objects.filter(robot__slug=tag).delete()
    Robot.objects.filter(slug=tag).delete()
    User.objects.filter(email__in=[_owner_email(tag), _reviewer_email(tag)]).delete()


@contextmanager
def office_site() -> Iterator[None]:
    """The office's organisation and domain, where the runner and robot APIs answer; made
    for the block (and removed after it) when the database has none yet."""
    connection.set_schema_to_public()
    if Organisation.objects.filter(schema_name=settings.PUBLIC_SCHEMA_NAME).exists():
        yield
        return
    made = services.ensure_office(name="Benchmark office", cvr="29189846")
    try:
        yield
    finally:
        connection.set_schema_to_public()
        made.domains.all().delete()
        # A queryset delete: the public schema is never dropped, whatever the model says.
        Organisation.objects.filter(pk=made.pk).delete()


def running_job(tag: str, deployment: Deployment) -> tuple[Job, str]:
    """A job of ``deployment`` running on a runner of its own, with the job token a robot
    would get from its runner."""
    token = secrets.token_urlsafe(32)
    started = timezone.now()
    job = Job.objects.create(
        deployment=deployment,
        organisation_id=deployment.organisation_id,
        trigger=Job.Trigger.MANUAL,
        pool=tag,
        status=Job.Status.RUNNING,
        runner=runner(tag, 0)[0],
        started_at=started,
        lease_expires_at=started + timedelta(hours=1),
        attempts=1,
        token_hash=hash_secret(token),
    )
    return job, token
