"""Robots written for Control Room run unchanged: a claim reserves the run's first input.

``robots_deployment.work_queues_attached`` says whether any of the member's work queues
belongs to the deployment; the work-queue services keep it, and it is set here from the
queues already in every member's schema. ``robots_claim_job`` returns it (``has_work_queues``)
so the claim reserves the first input only for a deployment with queues, without reading the
member's schema otherwise; otherwise unchanged from ``robots 0008``.
``robots_job.first_work_item`` is the input reserved at the claim (``RC_WORKITEM_ID``).
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
                  AND EXISTS (
                      SELECT FROM robots_deployment d
                      WHERE d.id = q.deployment_id
                        AND d.status = 'active'
                        AND (SELECT count(*) FROM (
                                SELECT FROM robots_job r
                                WHERE r.status = 'running' AND r.deployment_id = d.id
                                LIMIT d.max_concurrency
                            ) counted) < d.max_concurrency
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

# Each member schema that has work queues marks the deployments they belong to.
BACKFILL = r"""
DO $$
DECLARE
    member record;
BEGIN
    FOR member IN
        SELECT schema_name FROM tenants_organisation
        WHERE to_regclass(format('%I.workitems_workqueue', schema_name)) IS NOT NULL
    LOOP
        EXECUTE format(
            'UPDATE robots_deployment d SET work_queues_attached = true WHERE EXISTS ('
            'SELECT FROM %I.workitems_workqueue q WHERE q.deployment_id = d.id)',
            member.schema_name
        );
    END LOOP;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("robots", "0009_job_runner_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="deployment",
            name="work_queues_attached",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="job",
            name="first_work_item",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(
            CLAIM_FUNCTION,
            reverse_sql=import_module(
                "robots.migrations.0008_deployment_credentials_granted"
            ).CLAIM_FUNCTION,
        ),
    ]
