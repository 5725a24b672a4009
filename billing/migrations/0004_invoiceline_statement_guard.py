"""Invoice lines are guarded once per statement instead of once per row.

A close writes tens of thousands of lines; the row trigger looked up each line's invoice and
period. The statement triggers look at the rows the statement touched (its transition
tables) in one query each, and refuse the same changes: lines of a numbered invoice, or of
an invoice in a closed period, cannot be added, changed or removed.
"""

from django.db import migrations

FINAL_INVOICE_AMONG = """
    SELECT FROM billing_invoice i JOIN billing_period p ON p.id = i.period_id
    WHERE i.id IN (SELECT invoice_id FROM {lines})
      AND (i.number IS NOT NULL OR p.status IN ('closed', 'exported'))
"""

FORWARD = f"""
DROP TRIGGER billing_invoiceline_guard ON billing_invoiceline;
DROP FUNCTION billing_invoiceline_guard();

CREATE FUNCTION billing_invoiceline_guard() RETURNS trigger AS $$
BEGIN
    -- Each transition table exists only for its operations, so each is read on its own.
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF EXISTS ({FINAL_INVOICE_AMONG.format(lines="old_lines")}) THEN
            PERFORM billing_refuse('invoice line: the invoice is final');
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF EXISTS ({FINAL_INVOICE_AMONG.format(lines="new_lines")}) THEN
            PERFORM billing_refuse('invoice line: the invoice is final');
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_invoiceline_guard_insert AFTER INSERT ON billing_invoiceline
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION billing_invoiceline_guard();
CREATE TRIGGER billing_invoiceline_guard_update AFTER UPDATE ON billing_invoiceline
    REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION billing_invoiceline_guard();
CREATE TRIGGER billing_invoiceline_guard_delete AFTER DELETE ON billing_invoiceline
    REFERENCING OLD TABLE AS old_lines
    FOR EACH STATEMENT EXECUTE FUNCTION billing_invoiceline_guard();
"""

# The row trigger of 0002_immutability_triggers, as it was.
REVERSE = r"""
DROP TRIGGER billing_invoiceline_guard_delete ON billing_invoiceline;
DROP TRIGGER billing_invoiceline_guard_update ON billing_invoiceline;
DROP TRIGGER billing_invoiceline_guard_insert ON billing_invoiceline;
DROP FUNCTION billing_invoiceline_guard();

CREATE FUNCTION billing_invoiceline_guard() RETURNS trigger AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND billing_invoice_is_final(OLD.invoice_id))
       OR (TG_OP <> 'DELETE' AND billing_invoice_is_final(NEW.invoice_id)) THEN
        PERFORM billing_refuse('invoice line: the invoice is final');
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_invoiceline_guard BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_stripe")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=REVERSE)]
