"""A claim's cost no longer depends on table statistics.

On a young installation whose tables were never vacuumed or analyzed, the planner counted
running jobs by scanning the whole partial index of running jobs' tokens (a token column
that is mostly empty looked perfectly correlated, so its heap reads looked free), and drove
the deployment check from every active deployment's side. Now no index is partial on the
running status: running jobs are counted by member, deployment and runner on (key, status)
indexes, the token is looked up on a full index of token hashes, expired leases are found
on a partial index of jobs with a lease; and ``robots_claim_job`` checks the job's
deployment in a scalar subquery by its key (``robots/sql/claim_job.sql``; otherwise as of
``robots 0010``).
"""

from importlib import import_module

from django.db import migrations, models

# robots/sql/claim_job.sql as of this migration: a frozen copy, never edited afterwards.
CLAIM_FUNCTION = r"""
CREATE OR REPLACE FUNCTION robots_claim_job(
    p_runner_token_hash varchar,
    p_now timestamptz,
    p_started timestamptz,
    p_lease interval,
    p_job_token_hash varchar,
    p_candidates integer,
    p_attempts integer,
    p_lock_namespace integer
) RETURNS TABLE (claimed_by bigint, claimed jsonb)
LANGUAGE plpgsql
SET search_path = public
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    runner robots_runner%ROWTYPE;
    skip bigint[] := '{}';
    candidate record;
    best_job bigint;
    best_member bigint;
    chosen_job bigint;
    chosen_member bigint;
    started bigint;
BEGIN
    SELECT * INTO runner FROM robots_runner
    WHERE token_hash = p_runner_token_hash AND revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN NEXT;
        RETURN;
    END IF;
    claimed_by := runner.id;
    -- A runner already running as many jobs as it may gets none.
    IF (SELECT count(*) FROM (
            SELECT FROM robots_job r
            WHERE r.status = 'running' AND r.runner_id = runner.id
            LIMIT runner.max_concurrency
        ) counted) >= runner.max_concurrency
    THEN
        RETURN NEXT;
        RETURN;
    END IF;
    FOR attempt IN 1..p_attempts LOOP
        best_job := NULL;
        chosen_job := NULL;
        -- Per member that may run one more job, the member's best claimable job (highest
        -- priority, then oldest) from the partial index of queued jobs; only those few
        -- candidates are ordered: priority, then the member with fewest running jobs, then
        -- the member whose turn was longest ago, then age. Running jobs are counted only
        -- up to the limit they are compared with, on the partial indexes of running jobs.
        FOR candidate IN
            SELECT j.id, j.organisation_id
            FROM (
                SELECT o.id, o.jobs_last_claimed_at,
                       (SELECT count(*) FROM (
                            SELECT FROM robots_job r
                            WHERE r.status = 'running' AND r.organisation_id = o.id
                            LIMIT o.max_concurrent_jobs
                        ) counted) AS running,
                       o.max_concurrent_jobs
                FROM tenants_organisation o
                WHERE NOT (o.id = ANY(skip))
            ) member
            CROSS JOIN LATERAL (
                SELECT q.id, q.organisation_id, q.priority, q.queued_at
                FROM robots_job q
                WHERE q.organisation_id = member.id
                  AND q.status = 'queued'
                  AND q.pool = runner.pool
                  AND q.not_before <= p_now
                  -- Most jobs need no label: said first, the planner counts on that (it
                  -- cannot estimate <@ without element statistics).
                  AND (q.required_labels = '{}' OR q.required_labels <@ runner.labels)
                  -- The job's deployment, looked up by its key for this job only: a
                  -- scalar subquery, never turned into a join the planner could drive
                  -- from the deployments' side (every active deployment's running jobs
                  -- counted per member, as it chose when small tables had no statistics).
                  AND (
                      SELECT d.status = 'active'
                         AND (SELECT count(*) FROM (
                                SELECT FROM robots_job r
                                WHERE r.status = 'running' AND r.deployment_id = d.id
                                LIMIT d.max_concurrency
                             ) counted) < d.max_concurrency
                      FROM robots_deployment d
                      WHERE d.id = q.deployment_id
                  )
                ORDER BY q.priority DESC, q.queued_at ASC, q.id ASC
                LIMIT 1
                FOR UPDATE OF q SKIP LOCKED
            ) j
            WHERE member.running < member.max_concurrent_jobs
            ORDER BY j.priority DESC,
                     member.running ASC,
                     member.jobs_last_claimed_at ASC NULLS FIRST,
                     j.queued_at ASC,
                     j.id ASC
            LIMIT p_candidates
        LOOP
            IF best_job IS NULL THEN
                best_job := candidate.id;
                best_member := candidate.organisation_id;
            END IF;
            -- The best candidate whose member no other claim holds right now: concurrent
            -- claims spread over members instead of queueing behind one.
            IF pg_try_advisory_xact_lock(p_lock_namespace, candidate.organisation_id::integer)
            THEN
                chosen_job := candidate.id;
                chosen_member := candidate.organisation_id;
                EXIT;
            END IF;
        END LOOP;
        IF best_job IS NULL THEN
            RETURN NEXT;
            RETURN;
        END IF;
        IF chosen_job IS NULL THEN
            PERFORM pg_advisory_xact_lock(p_lock_namespace, best_member::integer);
            chosen_job := best_job;
            chosen_member := best_member;
        END IF;
        UPDATE robots_job j
        SET status = 'running', runner_id = runner.id, started_at = p_started,
            lease_expires_at = p_started + p_lease, attempts = j.attempts + 1,
            token_hash = p_job_token_hash
        FROM robots_deployment d, tenants_organisation o
        WHERE j.id = chosen_job
          AND d.id = j.deployment_id
          AND o.id = j.organisation_id
          AND (SELECT count(*) FROM (
                SELECT FROM robots_job r
                WHERE r.status = 'running' AND r.deployment_id = j.deployment_id
                LIMIT d.max_concurrency
              ) counted) < d.max_concurrency
          AND (SELECT count(*) FROM (
                SELECT FROM robots_job r
                WHERE r.status = 'running' AND r.organisation_id = j.organisation_id
                LIMIT o.max_concurrent_jobs
              ) counted) < o.max_concurrent_jobs
        RETURNING j.id INTO started;
        IF started IS NOT NULL THEN
            UPDATE tenants_organisation SET jobs_last_claimed_at = p_started
            WHERE id = chosen_member;
            SELECT jsonb_build_object(
                'id', j.id,
                'organisation', o.slug,
                'deployment', jsonb_build_object(
                    'id', d.id, 'name', d.name, 'timeout_minutes', d.timeout_minutes
                ),
                'robot', jsonb_build_object('slug', r.slug, 'kind', r.kind),
                'version', jsonb_build_object(
                    'version', v.version,
                    'git_repository', v.git_repository,
                    'git_commit', v.git_commit,
                    'archive_sha256', v.archive_sha256
                ),
                'parameters', d.parameters || j.parameters,
                'has_credentials', d.credentials_granted,
                'has_work_queues', d.work_queues_attached
            ) INTO claimed
            FROM robots_job j
            JOIN robots_deployment d ON d.id = j.deployment_id
            JOIN tenants_organisation o ON o.id = j.organisation_id
            JOIN catalog_robotversion v ON v.id = d.robot_version_id
            JOIN catalog_robot r ON r.id = v.robot_id
            WHERE j.id = started;
            RETURN NEXT;
            RETURN;
        END IF;
        skip := skip || chosen_member;
    END LOOP;
    RETURN NEXT;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("robots", "0010_first_work_item_at_claim"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="job",
            index=models.Index(
                condition=models.Q(("runner__isnull", False)),
                fields=["runner", "status"],
                name="job_runner_status",
            ),
        ),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(fields=["token_hash"], name="job_token_hash"),
        ),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(
                condition=models.Q(("lease_expires_at__isnull", False)),
                fields=["lease_expires_at"],
                name="job_lease",
            ),
        ),
        migrations.RunSQL(
            CLAIM_FUNCTION,
            reverse_sql=import_module(
                "robots.migrations.0010_first_work_item_at_claim"
            ).CLAIM_FUNCTION,
        ),
        migrations.RemoveIndex(
            model_name="job",
            name="job_running_member",
        ),
        migrations.RemoveIndex(
            model_name="job",
            name="job_running_deployment",
        ),
        migrations.RemoveIndex(
            model_name="job",
            name="job_running_runner",
        ),
        migrations.RemoveIndex(
            model_name="job",
            name="job_running_token",
        ),
    ]
