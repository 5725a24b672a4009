"""The database, not only the services, keeps billing history unchangeable.

- The usage ledger is append-only, and nothing is booked into a closed period.
- A closed (or exported) period changes only from closed to exported.
- Pools, their member limits and adjustments of a closed period cannot be added, changed
  or removed.
- A numbered invoice or credit note is final: only its payment date may still be set; its
  lines cannot be added, changed or removed; nothing is added to a closed period.

Every refusal raises SQLSTATE 23001 (restrict_violation), which Django reports as an
IntegrityError.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION billing_period_is_final(period bigint) RETURNS boolean AS $$
    SELECT status IN ('closed', 'exported') FROM billing_period WHERE id = period;
$$ LANGUAGE sql STABLE;

CREATE FUNCTION billing_refuse(message text) RETURNS void AS $$
BEGIN
    RAISE EXCEPTION '%', message USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

-- The usage ledger
CREATE FUNCTION billing_usageentry_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM billing_refuse('the usage ledger is append-only');
    ELSIF billing_period_is_final(NEW.period_id) THEN
        PERFORM billing_refuse('period ' || NEW.period_id || ' is closed');
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_usageentry_guard BEFORE INSERT OR UPDATE OR DELETE ON billing_usageentry
    FOR EACH ROW EXECUTE FUNCTION billing_usageentry_guard();

-- Periods
CREATE FUNCTION billing_period_guard() RETURNS trigger AS $$
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
CREATE TRIGGER billing_period_guard BEFORE UPDATE OR DELETE ON billing_period
    FOR EACH ROW EXECUTE FUNCTION billing_period_guard();

-- Rows that belong to a period through period_id: pools and adjustments
CREATE FUNCTION billing_period_row_guard() RETURNS trigger AS $$
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
CREATE TRIGGER billing_costpool_guard BEFORE INSERT OR UPDATE OR DELETE ON billing_costpool
    FOR EACH ROW EXECUTE FUNCTION billing_period_row_guard();
CREATE TRIGGER billing_adjustment_guard BEFORE INSERT OR UPDATE OR DELETE ON billing_adjustment
    FOR EACH ROW EXECUTE FUNCTION billing_period_row_guard();

CREATE FUNCTION billing_costpool_members_guard() RETURNS trigger AS $$
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
CREATE TRIGGER billing_costpool_members_guard
    BEFORE INSERT OR UPDATE OR DELETE ON billing_costpool_limit_to_members
    FOR EACH ROW EXECUTE FUNCTION billing_costpool_members_guard();

-- Invoices and credit notes
CREATE FUNCTION billing_invoice_guard() RETURNS trigger AS $$
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
CREATE TRIGGER billing_invoice_guard BEFORE INSERT OR UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_guard();

CREATE FUNCTION billing_invoice_is_final(invoice bigint) RETURNS boolean AS $$
    SELECT i.number IS NOT NULL OR p.status IN ('closed', 'exported')
    FROM billing_invoice i JOIN billing_period p ON p.id = i.period_id
    WHERE i.id = invoice;
$$ LANGUAGE sql STABLE;

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

REVERSE = r"""
DROP TRIGGER billing_invoiceline_guard ON billing_invoiceline;
DROP FUNCTION billing_invoiceline_guard();
DROP FUNCTION billing_invoice_is_final(bigint);
DROP TRIGGER billing_invoice_guard ON billing_invoice;
DROP FUNCTION billing_invoice_guard();
DROP TRIGGER billing_costpool_members_guard ON billing_costpool_limit_to_members;
DROP FUNCTION billing_costpool_members_guard();
DROP TRIGGER billing_adjustment_guard ON billing_adjustment;
DROP TRIGGER billing_costpool_guard ON billing_costpool;
DROP FUNCTION billing_period_row_guard();
DROP TRIGGER billing_period_guard ON billing_period;
DROP FUNCTION billing_period_guard();
DROP TRIGGER billing_usageentry_guard ON billing_usageentry;
DROP FUNCTION billing_usageentry_guard();
DROP FUNCTION billing_refuse(text);
DROP FUNCTION billing_period_is_final(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_ledger_rates_periods_invoices")]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=REVERSE)]
