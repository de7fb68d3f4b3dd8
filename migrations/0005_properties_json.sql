-- Feature properties are stored as json (the text as written at import)
-- instead of jsonb. Nearly every read wants the text (WFS GeoJSON and
-- GetFeatureInfo, the map index, export), and jsonb's conversion back to
-- text was about a third of PostgreSQL's time for a whole layer in
-- GeoJSON; json also loads faster (validated, not converted). Property
-- filters and sort keys cast to jsonb where they use SQL/JSON paths.
ALTER TABLE features ALTER COLUMN properties TYPE json USING properties::json;

-- The properties as WFS/OGC API GeoJSON writes them (flattened, with
-- code-list labels; JSON object members without the braces), written at
-- import so that a whole layer in GeoJSON is copied, not computed. NULL for
-- rows imported before: those are flattened when read. A change of the
-- flattening (src/xplan/flat.rs) needs a migration that sets it to NULL.
ALTER TABLE features ADD COLUMN geojson_properties text;
