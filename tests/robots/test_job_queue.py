"""The job queue: claims by priority, pool and labels, limits, fairness between members,
leases and heartbeats, stop and kill, idempotent completion, schedules."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from robots.models import Job
from robots.schedules import is_danish_holiday, last_fire_time
from robots.services import jobs

pytestmark = [pytest.mark.django_db, pytest.mark.integration]
Status = Job.Status


def queue(deployment, n=1):
    return [jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL) for _ in range(n)]


def claimed_id(runner):
    result = jobs.claim(runner)
    return None if result is None else result.job_id


def test_higher_priority_first_then_oldest(aarhus, make_deployment, make_runner):
    low = make_deployment(aarhus, name="low")
    high = make_deployment(aarhus, name="high", priority=5, max_concurrency=5)
    first_low, _second_low = queue(low, 2)
    first_high = queue(high)[0]
    runner, _token = make_runner()
    aarhus.max_concurrent_jobs = 10
    aarhus.save()
    assert claimed_id(runner) == first_high.pk
    assert claimed_id(runner) == first_low.pk
    assert claimed_id(runner) is None  # "low" runs one job at a time (max_concurrency 1)


def test_pool_and_labels_must_match(aarhus, make_deployment, make_runner):
    deployment = make_deployment(aarhus, pool="windows", required_labels=["sap-gui"])
    job = queue(deployment)[0]
    linux, _ = make_runner(pool="default", labels=["sap-gui"])
    unlabelled, _ = make_runner(pool="windows", labels=["python"])
    right, _ = make_runner(pool="windows", labels=["sap-gui", "python"])
    assert claimed_id(linux) is None and claimed_id(unlabelled) is None
    assert claimed_id(right) == job.pk


def test_member_limit_and_fair_turns_between_members(aarhus, odense, make_deployment, make_runner):
    busy = make_deployment(aarhus, max_concurrency=50)
    quiet = make_deployment(odense, max_concurrency=50)
    queue(busy, 30)
    late = queue(quiet)[0]
    aarhus.max_concurrent_jobs = 3
    aarhus.save()
    runner, _ = make_runner(max_concurrency=20)
    claimed = [jobs.claim(runner).job for _ in range(2)]
    # Odense's one job, queued after Aarhus's thirty, gets the second turn.
    assert [job.organisation_id for job in claimed] == [aarhus.pk, odense.pk]
    assert claimed[1].pk == late.pk
    more = [claimed_id(runner) for _ in range(4)]
    assert len([pk for pk in more if pk]) == 2  # Aarhus may run 3 at once
    assert Job.objects.filter(organisation=aarhus, status=Status.RUNNING).count() == 3


def test_runner_takes_no_more_than_its_concurrency(aarhus, make_deployment, make_runner):
    queue(make_deployment(aarhus, max_concurrency=10), 5)
    runner, _ = make_runner(max_concurrency=2)
    assert [bool(claimed_id(runner)) for _ in range(3)] == [True, True, False]


@pytest.mark.django_db(transaction=True)
def test_many_runners_at_once_never_share_a_job_or_break_limits(
    aarhus, odense, make_deployment, make_runner
):
    limited = make_deployment(aarhus, max_concurrency=3)
    free = make_deployment(odense, max_concurrency=100)
    queue(limited, 20)
    queue(free, 60)
    odense.max_concurrent_jobs = 100
    odense.save()
    fleet = [make_runner(max_concurrency=100)[0] for _ in range(8)]
    taken: list[int] = []
    lock = threading.Lock()

    def work(runner):
        try:
            for _ in range(20):
                result = jobs.claim(runner)
                if result is not None:
                    with lock:
                        taken.append(result.job_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(runner,)) for runner in fleet]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == len(set(taken))  # nobody got a job twice
    assert Job.objects.filter(deployment=limited, status=Status.RUNNING).count() == 3
    assert Job.objects.filter(deployment=free, status=Status.RUNNING).count() == 60
    assert len(taken) == 63


def test_heartbeat_renews_the_lease_and_carries_stop_and_kill(
    aarhus, make_deployment, make_runner, operator
):
    deployment = make_deployment(aarhus, max_concurrency=3)
    first, second = queue(deployment, 2)
    runner, _ = make_runner()
    jobs.claim(runner), jobs.claim(runner)
    first.refresh_from_db()
    later = timezone.now() + timedelta(seconds=60)
    jobs.request_stop(job=first, actor=operator)
    jobs.request_stop(job=second, actor=operator, kill=True)
    answers = jobs.heartbeat(runner, job_ids=[first.pk, second.pk, 999999], now=later)
    assert answers == {first.pk: "stop", second.pk: "kill", 999999: "abandon"}
    renewed = Job.objects.get(pk=first.pk)
    assert renewed.lease_expires_at > first.lease_expires_at
    runner.refresh_from_db()
    assert runner.last_heartbeat_at == later


def test_stopping_a_queued_job_cancels_it(aarhus, make_deployment, operator):
    job = queue(make_deployment(aarhus))[0]
    job = jobs.request_stop(job=job, actor=operator)
    assert job.status == Status.CANCELLED and job.finished_at is not None


def test_completion_uses_server_time_and_is_idempotent(aarhus, make_deployment, make_runner):
    job = queue(make_deployment(aarhus))[0]
    runner, _ = make_runner()
    jobs.claim(runner)
    done = jobs.complete(runner, job.pk, succeeded=True, exit_code=0, message="ok")
    assert done.status == Status.SUCCEEDED and done.finished_at >= done.started_at
    again = jobs.complete(runner, job.pk, succeeded=False, exit_code=1, message="late duplicate")
    assert (again.status, again.finished_at, again.message) == (
        Status.SUCCEEDED,
        done.finished_at,
        "ok",
    )


def test_expired_lease_requeues_then_fails_and_the_old_runner_is_refused(
    aarhus, make_deployment, make_runner
):
    deployment = make_deployment(aarhus, max_attempts=2)
    job = queue(deployment)[0]
    silent, _ = make_runner()
    other, _ = make_runner()
    jobs.claim(silent)
    assert jobs.expire_leases(now=timezone.now() + timedelta(minutes=5)) == {
        "requeued": 1,
        "failed": 0,
    }
    job.refresh_from_db()
    assert job.status == Status.QUEUED and job.started_at is None and job.runner is None
    jobs.claim(other)
    with pytest.raises(jobs.NotYourJob):
        jobs.complete(silent, job.pk, succeeded=True)
    later = timezone.now() + timedelta(minutes=10)
    assert jobs.expire_leases(now=later) == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.attempts == 2
    assert job.finished_at == job.lease_expires_at or job.finished_at >= job.started_at


def test_schedules_are_read_in_danish_time():
    # 07:00 in Copenhagen in summer is 05:00 UTC; in winter 06:00 UTC.
    summer = datetime(2026, 6, 1, 5, 30, tzinfo=UTC)
    assert last_fire_time("0 7 * * *", summer) == datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
    winter = datetime(2026, 1, 15, 6, 0, tzinfo=UTC)
    assert last_fire_time("0 7 * * *", winter) == datetime(2026, 1, 15, 6, 0, tzinfo=UTC)
    assert is_danish_holiday(datetime(2026, 12, 25, 8, 0, tzinfo=UTC))
    assert is_danish_holiday(datetime(2026, 4, 2, 8, 0, tzinfo=UTC))  # Skærtorsdag
    assert not is_danish_holiday(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))


def test_a_schedule_queues_one_job_per_firing_and_skips_holidays(aarhus, make_deployment):
    deployment = make_deployment(aarhus, schedule="0 7 * * *")
    Job.objects.all().delete()
    deployment.created_at = datetime(2026, 1, 1, tzinfo=UTC)
    deployment.save()
    monday = datetime(2026, 11, 23, 6, 1, tzinfo=UTC)  # 07:01 in Copenhagen
    assert jobs.enqueue_due_schedules(now=monday) == 1
    assert jobs.enqueue_due_schedules(now=monday + timedelta(minutes=5)) == 0
    job = Job.objects.get()
    assert job.trigger == Job.Trigger.SCHEDULE
    assert job.scheduled_for == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    christmas = datetime(2026, 12, 25, 6, 1, tzinfo=UTC)
    assert jobs.enqueue_due_schedules(now=christmas) == 0
    deployment.skip_holidays = False
    deployment.last_scheduled_for = None
    deployment.save()
    assert jobs.enqueue_due_schedules(now=christmas) == 1


def test_paused_deployments_neither_schedule_nor_enqueue(aarhus, make_deployment):
    deployment = make_deployment(aarhus, schedule="* * * * *", status="paused")
    assert jobs.enqueue_due_schedules() == 0
    with translation.override("en"), pytest.raises(Exception, match="only an active deployment"):
        jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)


COUNTS_OF_RUNNING_JOBS = {
    # What robots_claim_job counts, by the key it counts for.
    "organisation_id": "job_member_status",
    "deployment_id": "job_deployment_status",
    "runner_id": "job_runner_status",
}


def test_claim_plan_is_the_same_without_statistics(aarhus, make_deployment, make_runner):
    """The claim counts running jobs on a range of its key's (key, status) index whatever
    the statistics say; no index is partial on the running status, so none can be scanned
    whole instead (as the running jobs' token index was, its mostly empty column looking
    perfectly correlated once analyzed)."""
    table = Job._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef ILIKE %s",
            [table, "%WHERE%status%running%"],
        )
        assert cursor.fetchall() == []
    deployment = make_deployment(aarhus, max_concurrency=50)
    runner, _ = make_runner(max_concurrency=50)
    aarhus.max_concurrent_jobs = 50
    aarhus.save()
    queue(deployment, 3)
    for _ in range(3):
        jobs.claim(runner)
    with connection.cursor() as cursor:
        # A history of finished jobs with empty tokens, as a busy office's.
        cursor.execute(
            f"INSERT INTO {table} (status, trigger, priority, pool, required_labels, not_before,"
            " queued_at, started_at, finished_at, attempts, max_attempts, token_hash,"
            " kill_requested, message, parameters, deployment_id, organisation_id, runner_id)"
            " SELECT 'succeeded', 'manual', 0, 'default', '{}', now(), now(), now(), now(),"
            " 1, 1, '', false, '', '{}', %s, %s, %s FROM generate_series(1, 3000)",
            [deployment.pk, aarhus.pk, runner.pk],
        )
        for analyzed in (False, True):
            if analyzed:
                cursor.execute(f"ANALYZE {table}")
            for key, index in COUNTS_OF_RUNNING_JOBS.items():
                cursor.execute(
                    "PREPARE running_count(bigint, integer) AS SELECT count(*) FROM ("
                    f" SELECT FROM {table} r WHERE r.status = 'running' AND r.{key} = $1"
                    " LIMIT $2) counted"
                )
                try:
                    cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
                    cursor.execute("EXPLAIN EXECUTE running_count(1, 10)")
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                finally:
                    cursor.execute("DEALLOCATE running_count")
                assert f"using {index} on" in plan, plan
                assert f"Index Cond: (({key} = $1) AND" in plan, plan
