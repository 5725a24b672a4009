-- Invoices and credit notes that cannot change.
--
-- A numbered invoice or credit note is final: only its payment date (paid_at) may still be
-- set; its lines cannot be added, changed or removed; nothing is added to a closed period.
-- Invoice lines are guarded once per statement (a close writes tens of thousands of them):
-- the statement triggers read the rows the statement touched from their transition tables.
--
-- Uses billing_refuse and billing_period_is_final from immutable_periods.sql.
-- billing_invoice_is_final is no longer called (the row guard of invoice lines used it until
-- billing 0004) but is still installed. The status literals are pinned to
-- billing.models.Period.Status by tests/test_sql_source.py. To change anything here, see
-- docs/database.md.

CREATE OR REPLACE FUNCTION billing_invoice_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF billing_period_is_final(NEW.period_id) THEN
            PERFORM billing_refuse('invoice: the period is closed');
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.number IS NOT NULL OR billing_period_is_final(OLD.period_id) THEN
        IF TG_OP = 'DELETE'
           OR (to_jsonb(NEW) - 'paid_at') IS DISTINCT FROM (to_jsonb(OLD) - 'paid_at') THEN
            PERFORM billing_refuse('invoice ' || OLD.id || ' is final');
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER billing_invoice_guard
    BEFORE INSERT OR UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_guard();

CREATE OR REPLACE FUNCTION billing_invoice_is_final(invoice bigint) RETURNS boolean AS $$
    SELECT i.number IS NOT NULL OR p.status IN ('closed', 'exported')
    FROM billing_invoice i JOIN billing_period p ON p.id = i.period_id
    WHERE i.id = invoice;
$$ LANGUAGE sql STABLE;

-- Invoice lines
CREATE OR REPLACE FUNCTION billing_invoiceline_guard() RETURNS trigger AS $$
BEGIN
    -- Each transition table exists only for its operations, so each is read on its own.
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF EXISTS (
            SELECT FROM billing_invoice i JOIN billing_period p ON p.id = i.period_id
            WHERE i.id IN (SELECT invoice_id FROM old_lines)
              AND (i.number IS NOT NULL OR p.status IN ('closed', 'exported'))
        ) THEN
            PERFORM billing_refuse('invoice line: the invoice is final');
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF EXISTS (
            SELECT FROM billing_invoice i JOIN billing_period p ON p.id = i.period_id
            WHERE i.id IN (SELECT invoice_id FROM new_lines)
              AND (i.number IS NOT NULL OR p.status IN ('closed', 'exported'))
        ) THEN
            PERFORM billing_refuse('invoice line: the invoice is final');
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER billing_invoiceline_guard_insert
    AFTER INSERT ON billing_invoiceline
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION billing_invoiceline_guard();
CREATE OR REPLACE TRIGGER billing_invoiceline_guard_update
    AFTER UPDATE ON billing_invoiceline
    REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION billing_invoiceline_guard();
CREATE OR REPLACE TRIGGER billing_invoiceline_guard_delete
    AFTER DELETE ON billing_invoiceline
    REFERENCING OLD TABLE AS old_lines
    FOR EACH STATEMENT EXECUTE FUNCTION billing_invoiceline_guard();
