-- Running totals of the usage ledger (billing_usagetotal): a close reads them, not every
-- entry.
--
-- Per period, member, deployment and robot: the started minutes, runtime seconds and work
-- items booked so far. The statement trigger adds each INSERT statement's new entries,
-- grouped, in one upsert; the rows are locked in one order, so concurrent bookings wait for
-- each other instead of deadlocking. The ledger is append-only (immutable_periods.sql), so
-- the totals stay equal to the ledger's sums. A null total stays null until a value of that
-- kind arrives. The kind literals are pinned to billing.models.UsageEntry.Kind by
-- tests/test_sql_source.py. To change anything here, see docs/database.md.

CREATE OR REPLACE FUNCTION billing_usagetotal_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO billing_usagetotal AS total (period_id, organisation_id, deployment_id,
        robot_id, started_minutes, runtime_seconds, work_items)
    SELECT period_id, organisation_id, deployment_id, robot_id,
        sum(started_minutes),
        sum(quantity) FILTER (WHERE kind = 'runtime'),
        sum(quantity) FILTER (WHERE kind = 'work_items')
    FROM new_entries
    WHERE kind IN ('runtime', 'work_items')
    GROUP BY period_id, organisation_id, deployment_id, robot_id
    ORDER BY period_id, organisation_id, deployment_id, robot_id
    ON CONFLICT (period_id, organisation_id, deployment_id, robot_id) DO UPDATE SET
        started_minutes = coalesce(total.started_minutes + excluded.started_minutes,
            total.started_minutes, excluded.started_minutes),
        runtime_seconds = coalesce(total.runtime_seconds + excluded.runtime_seconds,
            total.runtime_seconds, excluded.runtime_seconds),
        work_items = coalesce(total.work_items + excluded.work_items,
            total.work_items, excluded.work_items);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER billing_usagetotal_add
    AFTER INSERT ON billing_usageentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION billing_usagetotal_add();
