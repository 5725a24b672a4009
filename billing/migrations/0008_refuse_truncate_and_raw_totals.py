"""The database refuses TRUNCATE of billing history (the usage ledger, its running totals,
periods, invoices and invoice lines), and any change of the running totals
(``billing_usagetotal``) but the ledger's own trigger's. Only a flush of a test database may
truncate (config/database sets ``robotkontor.allow_truncate`` for it).
"""

from django.db import migrations

# billing/sql/integrity.sql as of this migration: a frozen copy, never edited afterwards.
INTEGRITY = r"""
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
"""

REVERSE = r"""
DROP TRIGGER billing_usagetotal_guard ON billing_usagetotal;
DROP FUNCTION billing_usagetotal_guard();
DROP TRIGGER billing_invoiceline_no_truncate ON billing_invoiceline;
DROP TRIGGER billing_invoice_no_truncate ON billing_invoice;
DROP TRIGGER billing_period_no_truncate ON billing_period;
DROP TRIGGER billing_usagetotal_no_truncate ON billing_usagetotal;
DROP TRIGGER billing_usageentry_no_truncate ON billing_usageentry;
DROP FUNCTION billing_refuse_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_usage_microseconds")]

    operations = [migrations.RunSQL(INTEGRITY, reverse_sql=REVERSE)]
