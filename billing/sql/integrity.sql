-- What the database refuses besides the guards of immutable_periods.sql and
-- final_invoices.sql: emptying billing history with TRUNCATE, and any change of the usage
-- ledger's running totals other than the ledger's own trigger (usage_totals.sql).
--
-- TRUNCATE fires no row triggers, so the append-only ledger and final invoices would go
-- with it: a statement trigger refuses it on the ledger, its totals, periods, invoices and
-- invoice lines. Only the test suite's flush may empty them: config/database sets
-- robotkontor.allow_truncate for a flush of a test database, never for another database
-- (so `manage.py flush` is refused on the production database).
--
-- The running totals may only be written by billing_usagetotal_add, the ledger's statement
-- trigger: a statement on billing_usagetotal is then run from a trigger
-- (pg_trigger_depth() > 1 inside this guard); a statement sent by a client (depth 1) is
-- refused. Uses billing_refuse from immutable_periods.sql. To change anything here, see
-- docs/database.md.

CREATE OR REPLACE FUNCTION billing_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('robotkontor.allow_truncate', true), '') <> 'on' THEN
        PERFORM billing_refuse(TG_TABLE_NAME || ' cannot be truncated');
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER billing_usageentry_no_truncate
    BEFORE TRUNCATE ON billing_usageentry
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate();
CREATE OR REPLACE TRIGGER billing_usagetotal_no_truncate
    BEFORE TRUNCATE ON billing_usagetotal
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate();
CREATE OR REPLACE TRIGGER billing_period_no_truncate
    BEFORE TRUNCATE ON billing_period
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate();
CREATE OR REPLACE TRIGGER billing_invoice_no_truncate
    BEFORE TRUNCATE ON billing_invoice
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate();
CREATE OR REPLACE TRIGGER billing_invoiceline_no_truncate
    BEFORE TRUNCATE ON billing_invoiceline
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate();

CREATE OR REPLACE FUNCTION billing_usagetotal_guard() RETURNS trigger AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        PERFORM billing_refuse('billing_usagetotal is kept by the usage ledger''s trigger only');
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER billing_usagetotal_guard
    BEFORE INSERT OR UPDATE OR DELETE ON billing_usagetotal
    FOR EACH STATEMENT EXECUTE FUNCTION billing_usagetotal_guard();
