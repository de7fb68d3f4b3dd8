-- Loading features is most of PostgreSQL's work on import. Two per-row
-- costs go:
--
-- 1. The foreign key features.plan_id -> plans.id ran a query per loaded
--    row (about a fifth of PostgreSQL's time importing 110 000 features).
--    Features are written only by the import, in the transaction that
--    inserts their plan row and with that row's id; deleting plans deletes
--    their features through the statement trigger below, as ON DELETE
--    CASCADE did.
-- 2. TOAST compression of the XML fragments and geometries: lz4 instead
--    of pglz where the server is built with it (PostgreSQL 14+), several
--    times faster to compress and to read back.
ALTER TABLE features DROP CONSTRAINT features_plan_id_fkey;

CREATE FUNCTION xplan_delete_plan_features() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM features f USING old_plans o WHERE f.plan_id = o.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER plans_delete_features AFTER DELETE ON plans
    REFERENCING OLD TABLE AS old_plans
    FOR EACH STATEMENT EXECUTE FUNCTION xplan_delete_plan_features();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings
               WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE features
            ALTER COLUMN xml SET COMPRESSION lz4,
            ALTER COLUMN properties SET COMPRESSION lz4,
            ALTER COLUMN geojson_properties SET COMPRESSION lz4,
            ALTER COLUMN geom SET COMPRESSION lz4,
            ALTER COLUMN geom_lin SET COMPRESSION lz4;
    END IF;
END
$$;
