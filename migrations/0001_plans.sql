-- Plans, Bereiche, features and attachments. Features of a plan are
-- looked up by (plan_id, gml_id); their document order is `seq`. Geometries: `geom` in the
-- plan's own CRS with curves as written (CURVEPOLYGON, COMPOUNDCURVE, ...),
-- `geom_lin` linearised (chord error <= 0.05 m) in the storage CRS.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE plans (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL,
    nummer          text,
    internal_id     text,
    plan_type       text NOT NULL CHECK (plan_type IN ('BP', 'FP', 'RP', 'LP', 'SO')),
    plan_class      text NOT NULL,
    version         text NOT NULL,
    gml_id          text NOT NULL,
    rechtsstand     integer,
    status          text NOT NULL CHECK (status IN ('in_aufstellung', 'festgestellt', 'archiviert')),
    plan_art        text[] NOT NULL DEFAULT '{}',
    gemeinde        jsonb NOT NULL DEFAULT '[]',
    ags             text[] NOT NULL DEFAULT '{}',
    srid            integer NOT NULL,
    storage_srid    integer NOT NULL,
    geltungsbereich geometry,
    geltungsbereich_lin geometry,
    bbox            geometry,
    feature_count   integer NOT NULL DEFAULT 0,
    -- document frame for export: root element, its gml:id, namespace
    -- bindings and the original gml:boundedBy of the root
    root_element    text NOT NULL,
    root_gml_id     text,
    namespaces      jsonb NOT NULL,
    root_bounded_by text,
    source_file     text,
    source_bytes    bigint,
    imported_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plans_bbox_idx ON plans USING gist (bbox);
CREATE INDEX plans_name_idx ON plans (name);
CREATE INDEX plans_status_idx ON plans (status, plan_type);
CREATE INDEX plans_ags_idx ON plans USING gin (ags);

CREATE TABLE bereiche (
    id              bigserial PRIMARY KEY,
    plan_id         bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    gml_id          text NOT NULL,
    nummer          integer,
    name            text,
    bedeutung       integer,
    geltungsbereich geometry,
    geltungsbereich_lin geometry,
    UNIQUE (plan_id, gml_id)
);

CREATE TABLE features (
    plan_id         bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    seq             integer NOT NULL,
    gml_id          text NOT NULL,
    feature_type    text NOT NULL,
    bereich_gml_id  text,
    ebene           integer,
    rechtscharakter integer,
    flaechenschluss boolean,
    geom_property   text,
    geom_kind       text,
    properties      jsonb NOT NULL,
    geom            geometry,
    geom_lin        geometry,
    xml             text NOT NULL,
    -- a feature is identified by its plan and gml:id (one index, no
    -- sequence: about 1 s less per 100 000 features on import)
    PRIMARY KEY (plan_id, gml_id)
);
CREATE INDEX features_geom_lin_idx ON features USING gist (geom_lin);

CREATE TABLE attachments (
    id              bigserial PRIMARY KEY,
    plan_id         bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    name            text NOT NULL,
    media_type      text NOT NULL,
    size            bigint NOT NULL,
    data            bytea NOT NULL,
    UNIQUE (plan_id, name)
);

-- lz4 is several times faster than the default pglz for the large XML and
-- JSON values, at a similar ratio.
ALTER TABLE features
    ALTER COLUMN xml SET COMPRESSION lz4,
    ALTER COLUMN properties SET COMPRESSION lz4,
    ALTER COLUMN geom SET COMPRESSION lz4,
    ALTER COLUMN geom_lin SET COMPRESSION lz4;
ALTER TABLE attachments ALTER COLUMN data SET COMPRESSION lz4;
-- Feature rows (XML fragment + properties, typically 1-4 kB) stay in the
-- heap instead of going through the TOAST table: about 15 % faster imports.
ALTER TABLE features SET (toast_tuple_target = 8160);
