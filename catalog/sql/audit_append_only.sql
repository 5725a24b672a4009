-- The audit trail (catalog_auditevent) is append-only: rows are inserted, never updated or
-- deleted. To change this, see docs/database.md.

CREATE OR REPLACE FUNCTION catalog_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER catalog_auditevent_append_only
    BEFORE UPDATE OR DELETE ON catalog_auditevent
    FOR EACH ROW EXECUTE FUNCTION catalog_auditevent_append_only();
