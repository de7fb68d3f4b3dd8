-- Servers keep maps and capabilities in memory: tell them when a plan is
-- imported, changed or deleted (delivered on commit, so a half-imported
-- plan is never announced).
CREATE FUNCTION xplan_notify_plan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('xplan_plans', 'delete ' || OLD.id);
    ELSE
        PERFORM pg_notify('xplan_plans', 'upsert ' || NEW.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER plans_notify AFTER INSERT OR UPDATE OR DELETE ON plans
    FOR EACH ROW EXECUTE FUNCTION xplan_notify_plan();
