-- Billing history that cannot change: the usage ledger, closed periods and what belongs to
-- them (cost pools, their member limits, adjustments).
--
-- - The usage ledger is append-only, and nothing is booked into a closed period.
-- - A closed (or exported) period changes only from closed to exported (and its exported_at).
-- - Pools, their member limits and adjustments of a closed period cannot be added, changed
--   or removed.
--
-- Every refusal raises SQLSTATE 23001 (restrict_violation), which Django reports as an
-- IntegrityError. billing_refuse and billing_period_is_final are also used by the guards in
-- final_invoices.sql. The status literals are pinned to billing.models.Period.Status by
-- tests/test_sql_source.py. To change anything here, see docs/database.md.

CREATE OR REPLACE FUNCTION billing_period_is_final(period bigint) RETURNS boolean AS $$
    SELECT status IN ('closed', 'exported') FROM billing_period WHERE id = period;
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION billing_refuse(message text) RETURNS void AS $$
BEGIN
    RAISE EXCEPTION '%', message USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

-- The usage ledger
CREATE OR REPLACE FUNCTION billing_usageentry_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM billing_refuse('the usage ledger is append-only');
    ELSIF billing_period_is_final(NEW.period_id) THEN
        PERFORM billing_refuse('period ' || NEW.period_id || ' is closed');
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER billing_usageentry_guard
    BEFORE INSERT OR UPDATE OR DELETE ON billing_usageentry
    FOR EACH ROW EXECUTE FUNCTION billing_usageentry_guard();

-- Periods
CREATE OR REPLACE FUNCTION billing_period_guard() RETURNS trigger AS $$
BEGIN
    IF OLD.status IN ('closed', 'exported') THEN
        IF TG_OP = 'DELETE' THEN
            PERFORM billing_refuse('period ' || OLD.id || ' is closed');
        END IF;
        IF NEW.status NOT IN ('closed', 'exported')
           OR (to_jsonb(NEW) - 'status' - 'exported_at')
              IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'exported_at') THEN
            PERFORM billing_refuse('period ' || OLD.id || ' is closed');
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER billing_period_guard
    BEFORE UPDATE OR DELETE ON billing_period
    FOR EACH ROW EXECUTE FUNCTION billing_period_guard();

-- Rows that belong to a period through period_id: pools and adjustments
CREATE OR REPLACE FUNCTION billing_period_row_guard() RETURNS trigger AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND billing_period_is_final(OLD.period_id))
       OR (TG_OP <> 'DELETE' AND billing_period_is_final(NEW.period_id)) THEN
        PERFORM billing_refuse(TG_TABLE_NAME || ': the period is closed');
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER billing_costpool_guard
    BEFORE INSERT OR UPDATE OR DELETE ON billing_costpool
    FOR EACH ROW EXECUTE FUNCTION billing_period_row_guard();
CREATE OR REPLACE TRIGGER billing_adjustment_guard
    BEFORE INSERT OR UPDATE OR DELETE ON billing_adjustment
    FOR EACH ROW EXECUTE FUNCTION billing_period_row_guard();

-- A pool's member limits (the many-to-many table of CostPool.limit_to_members)
CREATE OR REPLACE FUNCTION billing_costpool_members_guard() RETURNS trigger AS $$
DECLARE
    pool bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN pool := OLD.costpool_id; ELSE pool := NEW.costpool_id; END IF;
    IF billing_period_is_final((SELECT period_id FROM billing_costpool WHERE id = pool)) THEN
        PERFORM billing_refuse('billing_costpool_limit_to_members: the period is closed');
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER billing_costpool_members_guard
    BEFORE INSERT OR UPDATE OR DELETE ON billing_costpool_limit_to_members
    FOR EACH ROW EXECUTE FUNCTION billing_costpool_members_guard();
