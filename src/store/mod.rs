//! PostGIS storage of plans: embedded migrations, one transaction per
//! imported document, binary COPY for the features.

pub mod cluster;
pub mod copy;
pub mod features;
pub mod manage;
pub mod maps;
pub mod users;

use crate::config::Config;
use crate::gml::{arc, wkb, Bbox, Geometry};
use crate::xplan::document::Document;
use crate::xplan::plan::{gemeinden, PlanData, PlanStatus};
use crate::xplan::{Attachment, InputFile, XplanError};
use cluster::Cluster;
use copy::BinaryCopy;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
use std::str::FromStr;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("managed PostgreSQL: {0}")]
    Cluster(String),
    #[error("{0}")]
    Input(#[from] XplanError),
    #[error("geometry of {feature} '{gml_id}': {message}")]
    Geometry {
        feature: String,
        gml_id: String,
        message: String,
    },
    #[error("plan {0} not found")]
    NotFound(i64),
    #[error("{0}")]
    Busy(String),
    /// A change request that does not fit the plan.
    #[error("{0}")]
    Invalid(String),
    /// The import would duplicate a stored plan (configured uniqueness).
    #[error("{message}")]
    Duplicate { id: i64, message: String },
}

/// The stored namespace bindings of a plan document (JSON pairs
/// `[prefix, uri]`, "" for the default namespace).
pub fn namespace_bindings(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    Some((
                        p.get(0)?.as_str()?.to_string(),
                        p.get(1)?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Status to give the plans instead of the one derived from rechtsstand.
    pub status: Option<PlanStatus>,
    pub internal_id: Option<String>,
    /// Refuse plans that duplicate a stored one.
    pub unique: manage::Uniqueness,
    /// Who imports (recorded in the audit log, in the import transaction).
    pub actor: Option<String>,
}

/// What the plan list and `show` return.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlanSummary {
    pub id: i64,
    pub name: String,
    pub nummer: Option<String>,
    pub internal_id: Option<String>,
    pub plan_type: String,
    pub plan_class: String,
    pub version: String,
    pub rechtsstand: Option<i32>,
    pub status: String,
    pub ags: Vec<String>,
    pub gemeinde: Value,
    pub srid: i32,
    /// [min_x, min_y, max_x, max_y] in the storage CRS.
    pub bbox: Option<[f64; 4]>,
    /// [min_lon, min_lat, max_lon, max_lat] (EPSG:4326).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox4326: Option<[f64; 4]>,
    pub feature_count: i32,
    pub source_file: Option<String>,
    pub imported_at: chrono::DateTime<chrono::Utc>,
    pub bereiche: Vec<BereichSummary>,
    pub attachments: Vec<AttachmentSummary>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BereichSummary {
    pub gml_id: String,
    pub nummer: Option<i32>,
    pub name: Option<String>,
    pub bedeutung: Option<i32>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AttachmentSummary {
    pub name: String,
    pub media_type: String,
    pub size: i64,
}

/// Result of importing one document.
#[derive(Debug, Clone, Serialize)]
pub struct ImportResult {
    pub plan_ids: Vec<i64>,
    pub features: usize,
    /// Plans written while the rest of the document was still being parsed.
    pub written_early: usize,
}

/// A plan ready to be written: everything computed, nothing in the database yet.
pub struct PreparedPlan {
    name: String,
    nummer: Option<String>,
    internal_id: Option<String>,
    plan_type: &'static str,
    plan_class: String,
    version: &'static str,
    gml_id: String,
    rechtsstand: Option<i32>,
    status: PlanStatus,
    plan_art: Vec<String>,
    gemeinde: Value,
    ags: Vec<String>,
    srid: i32,
    geltungsbereich: Option<Vec<u8>>,
    geltungsbereich_lin: Option<Vec<u8>>,
    bbox: Option<Bbox>,
    root_element: String,
    root_gml_id: Option<String>,
    namespaces: Value,
    root_bounded_by: Option<String>,
    bereiche: Vec<PreparedBereich>,
    features: BinaryCopy,
    /// Features per type (the rows of `feature_counts`).
    type_counts: Vec<(String, i32)>,
    plan_id_offsets: Vec<usize>,
    feature_count: usize,
}

struct PreparedBereich {
    gml_id: String,
    nummer: Option<i32>,
    name: Option<String>,
    bedeutung: Option<i32>,
    geltungsbereich: Option<Vec<u8>>,
    geltungsbereich_lin: Option<Vec<u8>>,
}

/// Connection to the plan database.
#[derive(Clone)]
pub struct Store {
    pub pool: PgPool,
    pub storage_srid: u32,
    pub chord_error: f64,
    /// Places for streaming feature responses: each holds a pool connection
    /// while its client reads (a split read two places), so together they
    /// use all but two of the pool's connections (one is the map change
    /// listener's, one serves everything else).
    pub streams: std::sync::Arc<tokio::sync::Semaphore>,
    /// The unchanging part of each plan's WFS frame, by plan id (see
    /// `Store::wfs_plans`).
    pub plan_frames:
        std::sync::Arc<std::sync::Mutex<std::collections::HashMap<i64, features::PlanFrame>>>,
}

impl Store {
    /// Connects to the configured database, or starts the managed cluster
    /// (creating the database on first use), and runs the migrations.
    pub async fn connect(cfg: &Config) -> Result<Store, StoreError> {
        let url = match &cfg.database.url {
            Some(u) => u.clone(),
            None => {
                let cluster = Cluster::new(&cfg.database.data_dir, cfg.database.port)?;
                let c2 = cluster.clone();
                tokio::task::spawn_blocking(move || c2.start())
                    .await
                    .map_err(|e| StoreError::Cluster(e.to_string()))??;
                let url = cluster.url()?;
                ensure_database(&url).await?;
                url
            }
        };
        Self::connect_url(
            &url,
            cfg.database.max_connections,
            cfg.storage.srid,
            cfg.storage.chord_error,
        )
        .await
    }

    pub async fn connect_url(
        url: &str,
        max_connections: u32,
        storage_srid: u32,
        chord_error: f64,
    ) -> Result<Store, StoreError> {
        let opts = PgConnectOptions::from_str(url)?.application_name("xplanserver");
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            // two kept open: large WFS results are read by two at once
            .min_connections(2.min(max_connections))
            .acquire_timeout(std::time::Duration::from_secs(30))
            .connect_with(opts)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store {
            pool,
            storage_srid,
            chord_error,
            streams: std::sync::Arc::new(tokio::sync::Semaphore::new(
                (max_connections as usize).saturating_sub(2).max(1),
            )),
            plan_frames: Default::default(),
        })
    }

    /// Parses, prepares and stores an input file: all its plans or nothing.
    /// Plans are prepared on a blocking thread while the previous ones are
    /// written, all in one transaction.
    pub async fn import(
        &self,
        input: InputFile,
        opts: &ImportOptions,
    ) -> Result<ImportResult, StoreError> {
        let InputFile {
            source_name,
            gml,
            attachments,
        } = input;
        let source = std::sync::Arc::new(crate::xplan::Source::from(gml));
        let source_bytes = source.len() as i64;
        let (queue, rx) = plan_queue();
        let (opts2, storage_srid, tol) = (opts.clone(), self.storage_srid, self.chord_error);
        let producer = tokio::task::spawn_blocking(move || {
            stream_plans(source, &opts2, storage_srid, tol, &queue)
        });
        self.write_plans(rx, producer, &attachments, &source_name, source_bytes, opts)
            .await
    }

    /// Stores an already parsed document (e.g. the one the validator read):
    /// all its plans or nothing.
    pub async fn import_document(
        &self,
        doc: Document,
        attachments: Vec<Attachment>,
        source_name: String,
        opts: &ImportOptions,
    ) -> Result<ImportResult, StoreError> {
        let failed =
            |e: tokio::task::JoinError| StoreError::Cluster(format!("import task failed: {e}"));
        let source_bytes = doc.source.len() as i64;
        let (doc, plans) = tokio::task::spawn_blocking(move || {
            let plans = crate::xplan::split_plans(&doc)?;
            Ok::<_, StoreError>((doc, plans))
        })
        .await
        .map_err(failed)??;
        let preparer = Preparer::new(&doc, plans.len(), opts, self.storage_srid, self.chord_error)?;
        let (queue, rx) = plan_queue();
        let producer = tokio::task::spawn_blocking(move || {
            if !queue.parsed() {
                return;
            }
            for pd in &plans {
                if !send_plan(&queue, &preparer, &doc, pd) {
                    break;
                }
            }
        });
        self.write_plans(rx, producer, &attachments, &source_name, source_bytes, opts)
            .await
    }

    /// Writes the plans a preparing task sends, all in one transaction
    /// (begun again when it says so), and commits once it is done.
    async fn write_plans(
        &self,
        mut rx: tokio::sync::mpsc::Receiver<ToWriter>,
        producer: tokio::task::JoinHandle<()>,
        attachments: &[Attachment],
        source_name: &str,
        source_bytes: i64,
        opts: &ImportOptions,
    ) -> Result<ImportResult, StoreError> {
        let t1 = std::time::Instant::now();
        let mut tx = self.pool.begin().await?;
        let mut ids = Vec::new();
        let mut total = 0;
        let (mut parsed, mut early) = (false, 0);
        while let Some(m) = rx.recv().await {
            match m {
                ToWriter::Plan(p, _permit) => {
                    let p = *p?;
                    total += p.feature_count;
                    ids.push(
                        self.write_plan(&mut tx, p, attachments, source_name, source_bytes, opts)
                            .await?,
                    );
                    if !parsed {
                        early += 1;
                    }
                }
                ToWriter::Restart => {
                    tx.rollback().await?;
                    tx = self.pool.begin().await?;
                    ids.clear();
                    (total, early) = (0, 0);
                }
                ToWriter::Parsed => parsed = true,
            }
        }
        producer
            .await
            .map_err(|e| StoreError::Cluster(format!("import task failed: {e}")))?;
        tx.commit().await?;
        tracing::debug!(file = %source_name, write_ms = t1.elapsed().as_millis() as u64, "written");
        Ok(ImportResult {
            plan_ids: ids,
            features: total,
            written_early: early,
        })
    }

    /// Writes one prepared plan on a connection (inside the caller's transaction).
    async fn write_plan(
        &self,
        conn: &mut sqlx::PgConnection,
        mut p: PreparedPlan,
        attachments: &[Attachment],
        source_name: &str,
        source_bytes: i64,
        opts: &ImportOptions,
    ) -> Result<i64, StoreError> {
        let bbox = p.bbox.filter(Bbox::is_valid);
        manage::check_unique(&mut *conn, opts.unique, &p.name, &p.ags).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO plans (name, nummer, internal_id, plan_type, plan_class, version, gml_id, rechtsstand, status,
                plan_art, gemeinde, ags, srid, storage_srid, geltungsbereich, geltungsbereich_lin, bbox, feature_count,
                root_element, root_gml_id, namespaces, root_bounded_by, source_file, source_bytes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                ST_GeomFromEWKB($15), ST_GeomFromEWKB($16),
                CASE WHEN $17::float8 IS NULL THEN NULL ELSE ST_MakeEnvelope($17, $18, $19, $20, $14) END,
                $21, $22, $23, $24, $25, $26, $27)
             RETURNING id",
        )
        .bind(&p.name)
        .bind(&p.nummer)
        .bind(&p.internal_id)
        .bind(p.plan_type)
        .bind(&p.plan_class)
        .bind(p.version)
        .bind(&p.gml_id)
        .bind(p.rechtsstand)
        .bind(p.status.as_str())
        .bind(&p.plan_art)
        .bind(&p.gemeinde)
        .bind(&p.ags)
        .bind(p.srid)
        .bind(self.storage_srid as i32)
        .bind(&p.geltungsbereich)
        .bind(&p.geltungsbereich_lin)
        .bind(bbox.map(|b| b.min_x))
        .bind(bbox.map(|b| b.min_y))
        .bind(bbox.map(|b| b.max_x))
        .bind(bbox.map(|b| b.max_y))
        .bind(p.feature_count as i32)
        .bind(&p.root_element)
        .bind(&p.root_gml_id)
        .bind(&p.namespaces)
        .bind(&p.root_bounded_by)
        .bind(source_name)
        .bind(source_bytes)
        .fetch_one(&mut *conn)
        .await?;
        for b in &p.bereiche {
            sqlx::query(
                "INSERT INTO bereiche (plan_id, gml_id, nummer, name, bedeutung, geltungsbereich, geltungsbereich_lin)
                 VALUES ($1, $2, $3, $4, $5, ST_GeomFromEWKB($6), ST_GeomFromEWKB($7))",
            )
            .bind(id)
            .bind(&b.gml_id)
            .bind(b.nummer)
            .bind(&b.name)
            .bind(b.bedeutung)
            .bind(&b.geltungsbereich)
            .bind(&b.geltungsbereich_lin)
            .execute(&mut *conn)
            .await?;
        }
        for &off in &p.plan_id_offsets {
            p.features.patch_i64(off, id);
        }
        let data = std::mem::replace(&mut p.features, BinaryCopy::new(0, 0)).finish();
        let mut copy = conn
            .copy_in_raw(
                "COPY features (plan_id, seq, gml_id, feature_type, bereich_gml_id, ebene, rechtscharakter,
                    flaechenschluss, geom_property, geom_kind, properties, geojson_properties, geom, geom_lin, xml)
                 FROM STDIN (FORMAT binary)",
            )
            .await?;
        for chunk in data.chunks(1 << 20) {
            copy.send(chunk).await?;
        }
        copy.finish().await?;
        let (types, counts): (Vec<String>, Vec<i32>) = p.type_counts.into_iter().unzip();
        sqlx::query(
            "INSERT INTO feature_counts (plan_id, feature_type, n)
             SELECT $1, t, n FROM unnest($2::text[], $3::int4[]) AS u(t, n)",
        )
        .bind(id)
        .bind(&types)
        .bind(&counts)
        .execute(&mut *conn)
        .await?;
        for a in attachments {
            sqlx::query("INSERT INTO attachments (plan_id, name, media_type, size, data) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(&a.name)
                .bind(&a.media_type)
                .bind(a.data.len() as i64)
                .bind(&a.data)
                .execute(&mut *conn)
                .await?;
        }
        if let Some(actor) = &opts.actor {
            manage::audit_on(
                &mut *conn,
                actor,
                "import",
                Some(id),
                serde_json::json!({
                    "name": p.name, "file": source_name, "features": p.feature_count,
                    "status": p.status.as_str(), "version": p.version,
                }),
            )
            .await?;
        }
        Ok(id)
    }

    /// Lists plans, newest first.
    pub async fn list(&self) -> Result<Vec<PlanSummary>, StoreError> {
        let rows = sqlx::query(&format!("{SUMMARY_SELECT} {SUMMARY_BY_ID}"))
            .bind(None::<i64>)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(summary_from_row).collect()
    }

    /// One plan with its Bereiche and attachments.
    pub async fn get(&self, id: i64) -> Result<PlanSummary, StoreError> {
        let row = sqlx::query(&format!("{SUMMARY_SELECT} {SUMMARY_BY_ID}"))
            .bind(Some(id))
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound(id))?;
        let mut s = summary_from_row(row)?;
        s.bereiche = sqlx::query("SELECT gml_id, nummer, name, bedeutung FROM bereiche WHERE plan_id = $1 ORDER BY nummer, id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| BereichSummary {
                gml_id: r.get(0),
                nummer: r.get(1),
                name: r.get(2),
                bedeutung: r.get(3),
            })
            .collect();
        s.attachments = sqlx::query(
            "SELECT name, media_type, size FROM attachments WHERE plan_id = $1 ORDER BY name",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| AttachmentSummary {
            name: r.get(0),
            media_type: r.get(1),
            size: r.get(2),
        })
        .collect();
        Ok(s)
    }

    /// Deletes a plan with all its rows. Returns false if there was none.
    pub async fn delete(&self, id: i64) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM plans WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.forget_plan_frame(id);
        Ok(r.rows_affected() > 0)
    }

    /// The plan as an XPlanGML document (its original features, in
    /// document order) and its attachments.
    pub async fn export(&self, id: i64) -> Result<(String, Vec<Attachment>), StoreError> {
        let plan = sqlx::query(
            "SELECT version, root_gml_id, namespaces, root_bounded_by FROM plans WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound(id))?;
        let version: String = plan.get(0);
        let root_gml_id: Option<String> = plan.get(1);
        let namespaces: Value = plan.get(2);
        let bounded_by: Option<String> = plan.get(3);
        let xplan_ns = crate::xplan::Version::parse(&version)
            .map(|v| v.namespace())
            .unwrap_or_default();
        let bindings = namespace_bindings(&namespaces);
        let prefix_of = |ns: &str| {
            bindings
                .iter()
                .find(|(_, u)| u == ns)
                .map(|(p, _)| p.clone())
        };
        let mut head = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let xplan_prefix = prefix_of(xplan_ns);
        let gml_prefix = prefix_of(crate::gml::GML_NS);
        let root_name = match xplan_prefix.as_deref() {
            Some("") => "XPlanAuszug".to_string(),
            Some(p) => format!("{p}:XPlanAuszug"),
            None => "xplan:XPlanAuszug".to_string(),
        };
        head.push('<');
        head.push_str(&root_name);
        for (p, u) in &bindings {
            let attr = if p.is_empty() {
                "xmlns".to_string()
            } else {
                format!("xmlns:{p}")
            };
            head.push_str(&format!(" {attr}=\"{}\"", xml_escape(u)));
        }
        if xplan_prefix.is_none() {
            head.push_str(&format!(" xmlns:xplan=\"{xplan_ns}\""));
        }
        let gml = match gml_prefix {
            Some(p) if !p.is_empty() => p,
            _ => {
                head.push_str(&format!(" xmlns:gmlx=\"{}\"", crate::gml::GML_NS));
                "gmlx".to_string()
            }
        };
        if let Some(rid) = root_gml_id {
            head.push_str(&format!(" {gml}:id=\"{}\"", xml_escape(&rid)));
        }
        head.push_str(">\n");
        if let Some(b) = bounded_by {
            head.push_str("  ");
            head.push_str(&b);
            head.push('\n');
        }
        let mut doc = head;
        let mut rows = sqlx::query("SELECT xml FROM features WHERE plan_id = $1 ORDER BY seq")
            .bind(id)
            .fetch(&self.pool);
        use futures_util::TryStreamExt;
        while let Some(r) = rows.try_next().await? {
            let xml: &str = r.get(0);
            doc.push_str(&format!("  <{gml}:featureMember>"));
            doc.push_str(xml);
            doc.push_str(&format!("</{gml}:featureMember>\n"));
        }
        doc.push_str(&format!("</{root_name}>\n"));
        let attachments = sqlx::query(
            "SELECT name, media_type, data FROM attachments WHERE plan_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| Attachment {
            name: r.get(0),
            media_type: r.get(1),
            data: r.get(2),
        })
        .collect();
        Ok((doc, attachments))
    }

    /// Number of (features, bereiche, attachments) rows of a plan.
    pub async fn row_counts(&self, id: i64) -> Result<(i64, i64, i64), StoreError> {
        let r = sqlx::query(
            "SELECT (SELECT count(*) FROM features WHERE plan_id = $1), (SELECT count(*) FROM bereiche WHERE plan_id = $1),
                    (SELECT count(*) FROM attachments WHERE plan_id = $1)",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok((r.get(0), r.get(1), r.get(2)))
    }
}

/// The columns of a plan summary (see `summary_from_row`), with the
/// number of rows the query matches as `total`.
const SUMMARY_SELECT: &str = "SELECT id, name, nummer, internal_id, plan_type, plan_class, version, rechtsstand, status, ags, gemeinde,
        srid, ST_XMin(bbox), ST_YMin(bbox), ST_XMax(bbox), ST_YMax(bbox), feature_count, source_file, imported_at,
        ST_XMin(b4), ST_YMin(b4), ST_XMax(b4), ST_YMax(b4), count(*) OVER () AS total
     FROM plans LEFT JOIN LATERAL (SELECT ST_Transform(bbox, 4326) AS b4) t ON true";

const SUMMARY_BY_ID: &str = "WHERE $1::bigint IS NULL OR id = $1 ORDER BY id DESC";

/// Four nullable numbers from column `first` on as a box.
fn box_columns(r: &sqlx::postgres::PgRow, first: usize) -> Result<Option<[f64; 4]>, StoreError> {
    Ok(
        match (
            r.try_get::<Option<f64>, _>(first)?,
            r.try_get::<Option<f64>, _>(first + 1)?,
            r.try_get::<Option<f64>, _>(first + 2)?,
            r.try_get::<Option<f64>, _>(first + 3)?,
        ) {
            (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
            _ => None,
        },
    )
}

fn summary_from_row(r: sqlx::postgres::PgRow) -> Result<PlanSummary, StoreError> {
    let bbox = box_columns(&r, 12)?;
    Ok(PlanSummary {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        nummer: r.try_get(2)?,
        internal_id: r.try_get(3)?,
        plan_type: r.try_get(4)?,
        plan_class: r.try_get(5)?,
        version: r.try_get(6)?,
        rechtsstand: r.try_get(7)?,
        status: r.try_get(8)?,
        ags: r.try_get(9)?,
        gemeinde: r.try_get(10)?,
        srid: r.try_get(11)?,
        bbox,
        feature_count: r.try_get(16)?,
        source_file: r.try_get(17)?,
        imported_at: r.try_get(18)?,
        bbox4326: box_columns(&r, 19)?,
        bereiche: Vec::new(),
        attachments: Vec::new(),
    })
}

/// Creates the database of the managed cluster if it does not exist.
async fn ensure_database(url: &str) -> Result<(), StoreError> {
    use sqlx::Connection;
    let opts = PgConnectOptions::from_str(url)?;
    let db = opts.get_database().unwrap_or(cluster::DATABASE).to_string();
    let mut admin = sqlx::PgConnection::connect_with(&opts.clone().database("postgres")).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&db)
            .fetch_one(&mut admin)
            .await?;
    if !exists {
        let r = sqlx::query(&format!("CREATE DATABASE \"{}\"", db.replace('"', "\"\"")))
            .execute(&mut admin)
            .await;
        // Another process may have created it meanwhile.
        if let Err(e) = r {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(&db)
                    .fetch_one(&mut admin)
                    .await?;
            if !exists {
                return Err(e.into());
            }
        }
    }
    admin.close().await?;
    Ok(())
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

/// The EPSG code of a geometry, defaulting to the document's.
fn srid_of(g: &crate::gml::reader::ParsedGeometry, doc_srid: Option<u32>) -> Option<u32> {
    g.srid.or(doc_srid)
}

/// Curved EWKB in the plan CRS and linearised EWKB in the storage CRS.
fn encode_geometry(
    g: &Geometry,
    srid: u32,
    storage_srid: u32,
    tol: f64,
    bbox: &mut Bbox,
) -> Result<(Vec<u8>, Vec<u8>), String> {
    if let Some(problem) = wkb::storage_problem(g) {
        return Err(problem);
    }
    let native = wkb::to_ewkb(g, srid);
    let mut lin = arc::linearize(g, tol);
    crate::crs::transform(&mut lin, srid, storage_srid).map_err(|e| e.to_string())?;
    lin.for_each_point(&mut |c| bbox.add(c));
    Ok((native, wkb::to_ewkb(&lin, storage_srid)))
}

/// Encoded rows of a chunk of features, the offsets of their plan_id
/// values and the chunk's bbox.
type RowChunk = (BinaryCopy, Vec<usize>, Bbox);
/// A geometry as curved EWKB in the plan CRS and linearised EWKB.
type EncodedPair = (Option<Vec<u8>>, Option<Vec<u8>>);

/// Computes the rows of the plans of a document (CPU work, parallel).
pub fn prepare(
    doc: &Document,
    plans: &[PlanData],
    opts: &ImportOptions,
    storage_srid: u32,
    tol: f64,
) -> Result<Vec<PreparedPlan>, StoreError> {
    let p = Preparer::new(doc, plans.len(), opts, storage_srid, tol)?;
    plans.iter().map(|pd| p.plan(doc, pd)).collect()
}

/// What the preparing task of an import sends the writer: prepared plans,
/// each holding its share of the memory budget until it is written.
enum ToWriter {
    Plan(
        Result<Box<PreparedPlan>, StoreError>,
        Option<tokio::sync::OwnedSemaphorePermit>,
    ),
    /// Roll back the plans written so far and begin again.
    Restart,
    /// The whole document is parsed: the plans that follow were prepared
    /// from all of it.
    Parsed,
}

/// The channel from an import's preparing task to its writer. Prepared
/// plans wait to be written within a budget of [`QUEUE_BUDGET_KIB`] (or
/// one plan, if larger), so that the preparing task can run ahead of the
/// writer without holding an unbounded number of rows.
struct PlanQueue {
    tx: tokio::sync::mpsc::Sender<ToWriter>,
    budget: std::sync::Arc<tokio::sync::Semaphore>,
    runtime: tokio::runtime::Handle,
}

const QUEUE_BUDGET_KIB: u32 = 64 * 1024;

fn plan_queue() -> (PlanQueue, tokio::sync::mpsc::Receiver<ToWriter>) {
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    let budget = std::sync::Arc::new(tokio::sync::Semaphore::new(QUEUE_BUDGET_KIB as usize));
    let runtime = tokio::runtime::Handle::current();
    (
        PlanQueue {
            tx,
            budget,
            runtime,
        },
        rx,
    )
}

impl PlanQueue {
    /// Sends a prepared plan (waiting for room in the budget). False when
    /// the import stops: the writer is gone, or the plan failed.
    fn send(&self, p: Result<PreparedPlan, StoreError>) -> bool {
        let failed = p.is_err();
        let kib = p.as_ref().map_or(0, |p| p.features.len() / 1024) as u32;
        let permit = self
            .runtime
            .block_on(
                self.budget
                    .clone()
                    .acquire_many_owned(kib.clamp(1, QUEUE_BUDGET_KIB)),
            )
            .ok();
        self.tx
            .blocking_send(ToWriter::Plan(p.map(Box::new), permit))
            .is_ok()
            && !failed
    }

    fn restart(&self) -> bool {
        self.tx.blocking_send(ToWriter::Restart).is_ok()
    }

    fn parsed(&self) -> bool {
        self.tx.blocking_send(ToWriter::Parsed).is_ok()
    }
}

/// Prepares a plan and sends it to the writer. False when the import
/// stops (the writer is gone or the plan failed, which it was told).
fn send_plan(queue: &PlanQueue, preparer: &Preparer, doc: &Document, pd: &PlanData) -> bool {
    let t = std::time::Instant::now();
    // on a rayon worker (rayon::scope runs its body there): the plan's own
    // geometries then reuse the PROJ transformations its features' chunks
    // create (one per thread and CRS pair, ~30 ms each for EPSG:31467 ->
    // 25832)
    let p = rayon::scope(|_| preparer.plan(doc, pd));
    tracing::debug!(prepare_ms = t.elapsed().as_millis() as u64, "plan prepared");
    queue.send(p)
}

/// A plan of a run of features starting at `start`, with document indices.
fn shifted(pd: &PlanData, start: usize) -> PlanData {
    PlanData {
        plan: pd.plan + start,
        plan_type: pd.plan_type,
        members: pd.members.iter().map(|m| m + start).collect(),
        bereiche: pd.bereiche.iter().map(|b| b + start).collect(),
        bereich_of: pd
            .bereich_of
            .iter()
            .map(|(m, b)| (m + start, b.clone()))
            .collect(),
    }
}

/// Chunks a large document is parsed in by [`stream_plans`].
const STREAM_CHUNKS: usize = 12;

/// Parses a document and sends its plans to the writer, prepared. In a
/// document of several plans, a plan whose features all come before those
/// of the next plan is sent as soon as its chunk is parsed, so that it is
/// written while the rest of the document is parsed. The whole document
/// decides at the end: if its plans are not the ones sent early (a later
/// feature belongs to one of them), the writer is told to start again.
fn stream_plans(
    source: std::sync::Arc<crate::xplan::Source>,
    opts: &ImportOptions,
    storage_srid: u32,
    tol: f64,
    queue: &PlanQueue,
) {
    let fail = |e: StoreError| {
        queue.send(Err(e));
    };
    use std::ops::ControlFlow::{Break, Continue};
    let mut sent: Vec<PlanData> = Vec::new();
    let parsed = crate::xplan::parse_chunked(source, STREAM_CHUNKS, &mut |doc| {
        // the plans of the part read since the last plan sent (the last
        // of them may still be incomplete)
        let start = sent
            .last()
            .and_then(|p| p.members.last())
            .map_or(0, |&m| m + 1);
        let part = &doc.features[start..];
        if part.iter().filter(|f| f.is_plan()).nth(1).is_none() {
            // one plan so far: it may go on to the end
            return Continue(());
        }
        let Ok(plans) = crate::xplan::split_features(part) else {
            return Continue(());
        };
        let Ok(preparer) = Preparer::new(doc, plans.len(), opts, storage_srid, tol) else {
            return Continue(());
        };
        for pair in plans.windows(2) {
            if pair[0].members.last() >= pair[1].members.first() {
                break;
            }
            let pd = shifted(&pair[0], start);
            if !send_plan(queue, &preparer, doc, &pd) {
                // the import stops: the rest need not be parsed
                return Break(());
            }
            sent.push(pd);
        }
        Continue(())
    });
    let (doc, faithful) = match parsed {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(e) => return fail(e.into()),
    };
    let plans = match crate::xplan::split_plans(&doc) {
        Ok(p) => p,
        Err(e) => return fail(e.into()),
    };
    let agrees =
        faithful && sent.len() <= plans.len() && sent.iter().zip(&plans).all(|(a, b)| a == b);
    if !agrees && !sent.is_empty() {
        tracing::debug!(
            sent = sent.len(),
            "plans sent early differ from the document's: writing again"
        );
        if !queue.restart() {
            return;
        }
        sent.clear();
    }
    if !queue.parsed() {
        return;
    }
    let preparer = match Preparer::new(&doc, plans.len(), opts, storage_srid, tol) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    for pd in &plans[sent.len()..] {
        if !send_plan(queue, &preparer, &doc, pd) {
            break;
        }
    }
}

/// What the rows of every plan of a document share.
pub struct Preparer {
    doc_srid: Option<u32>,
    namespaces: Value,
    single: bool,
    opts: ImportOptions,
    storage_srid: u32,
    tol: f64,
}

impl Preparer {
    pub fn new(
        doc: &Document,
        plan_count: usize,
        opts: &ImportOptions,
        storage_srid: u32,
        tol: f64,
    ) -> Result<Preparer, StoreError> {
        let doc_srid = doc.srs_name.as_deref().and_then(crate::gml::parse_srs_name);
        if let Some(name) = &doc.srs_name {
            if doc_srid.is_none() {
                return Err(XplanError::NotXPlan(format!(
                    "unknown srsName '{name}' on the document envelope"
                ))
                .into());
            }
        }
        let namespaces = Value::Array(
            doc.namespaces
                .iter()
                .map(|(p, u)| {
                    Value::Array(vec![Value::String(p.clone()), Value::String(u.clone())])
                })
                .collect(),
        );
        Ok(Preparer {
            doc_srid,
            namespaces,
            single: plan_count == 1,
            opts: opts.clone(),
            storage_srid,
            tol,
        })
    }

    /// The rows of one plan (features encoded in parallel).
    pub fn plan(&self, doc: &Document, pd: &PlanData) -> Result<PreparedPlan, StoreError> {
        let (doc_srid, storage_srid, tol, single, opts) = (
            self.doc_srid,
            self.storage_srid,
            self.tol,
            self.single,
            &self.opts,
        );
        let namespaces = &self.namespaces;
        {
            let plan = &doc.features[pd.plan];
            let geom_err = |f: &crate::xplan::Feature, message: String| StoreError::Geometry {
                feature: f.feature_type.clone(),
                gml_id: f.gml_id.clone(),
                message,
            };
            // The plan CRS: the plan's Geltungsbereich, else the document's.
            let plan_srid = plan
                .geometry("raeumlicherGeltungsbereich")
                .and_then(|g| srid_of(&g.geometry, doc_srid))
                .or(doc_srid)
                .or_else(|| {
                    pd.members.iter().find_map(|&i| {
                        doc.features[i]
                            .geometries
                            .first()
                            .and_then(|g| g.geometry.srid)
                    })
                })
                .unwrap_or(storage_srid);

            // Feature rows, in parallel chunks, then concatenated. Rows are
            // written grouped by feature type (`seq` keeps the document
            // order): a layer's rows then share heap pages, and reading a
            // whole layer (WFS, features_type_idx) touches a fraction of
            // the pages it would in document order.
            const FIELDS: i16 = 15;
            let codes = &*crate::xplan::codelists::CodeLists::of(doc.version);
            let mut order: Vec<(i32, usize)> = pd
                .members
                .iter()
                .enumerate()
                .map(|(seq, &i)| (seq as i32, i))
                .collect();
            order.sort_by(|a, b| {
                doc.features[a.1]
                    .feature_type
                    .cmp(&doc.features[b.1].feature_type)
                    .then(a.0.cmp(&b.0))
            });
            let mut type_counts: Vec<(String, i32)> = Vec::new();
            for &(_, i) in &order {
                let t = &doc.features[i].feature_type;
                match type_counts.last_mut() {
                    Some((last, n)) if last == t => *n += 1,
                    _ => type_counts.push((t.clone(), 1)),
                }
            }
            let chunks: Vec<Result<RowChunk, StoreError>> = order
                .par_chunks(256)
                .map(|chunk| {
                    let mut out = BinaryCopy::new(FIELDS, chunk.len() * 2048);
                    let mut offsets = Vec::with_capacity(chunk.len());
                    let mut bbox = Bbox::empty();
                    let mut labels = crate::xplan::flat::Labels::new();
                    for &(seq, i) in chunk {
                        let f = &doc.features[i];
                        out.row();
                        offsets.push(out.len() + 4);
                        out.i64(0);
                        out.i32(Some(seq));
                        out.text(Some(&f.gml_id));
                        out.text(Some(&f.feature_type));
                        out.text(pd.bereich_of.get(&i).map(String::as_str));
                        out.i32(f.int("ebene"));
                        out.i32(f.int("rechtscharakter"));
                        out.bool(f.bool("flaechenschluss"));
                        let g = f.primary_geometry();
                        out.text(g.map(|g| g.property.as_str()));
                        out.text(g.map(|g| g.geometry.geometry.kind()));
                        // json in binary form is its text
                        let json = serde_json::to_string(&f.properties).expect("JSON of a map");
                        out.text(Some(&json));
                        let flat =
                            crate::xplan::flat::members(&json, &f.feature_type, codes, &mut labels)
                                .map_err(|m| {
                                    StoreError::Invalid(format!("properties of {}: {m}", f.gml_id))
                                })?;
                        out.text(Some(&flat));
                        match g {
                            Some(g) => {
                                let srid = srid_of(&g.geometry, doc_srid).unwrap_or(plan_srid);
                                let (native, lin) = encode_geometry(
                                    &g.geometry.geometry,
                                    srid,
                                    storage_srid,
                                    tol,
                                    &mut bbox,
                                )
                                .map_err(|m| geom_err(f, m))?;
                                out.bytes(&native);
                                out.bytes(&lin);
                            }
                            None => {
                                out.null();
                                out.null();
                            }
                        }
                        out.text(Some(&doc.source[f.xml.clone()]));
                    }
                    Ok((out, offsets, bbox))
                })
                .collect();
            let mut features = BinaryCopy::new(FIELDS, 0);
            let mut plan_id_offsets = Vec::with_capacity(pd.members.len());
            let mut bbox = Bbox::empty();
            let mut data = Vec::new();
            for c in chunks {
                let (part, offs, b) = c?;
                let part = part.finish();
                // strip the part's header (19 bytes) and trailer (2 bytes)
                let body = &part[19..part.len() - 2];
                let base = 19 + data.len();
                plan_id_offsets.extend(offs.into_iter().map(|o| o - 19 + base));
                data.extend_from_slice(body);
                bbox.merge(&b);
            }
            features.extend_raw(&data);

            let encode = |f: &crate::xplan::Feature,
                          prop: &str,
                          bbox: &mut Bbox|
             -> Result<EncodedPair, StoreError> {
                match f.geometry(prop) {
                    Some(g) => {
                        let srid = srid_of(&g.geometry, doc_srid).unwrap_or(plan_srid);
                        let (a, b) =
                            encode_geometry(&g.geometry.geometry, srid, storage_srid, tol, bbox)
                                .map_err(|m| geom_err(f, m))?;
                        Ok((Some(a), Some(b)))
                    }
                    None => Ok((None, None)),
                }
            };
            let (geltungsbereich, geltungsbereich_lin) =
                encode(plan, "raeumlicherGeltungsbereich", &mut bbox)?;
            let bereiche = pd
                .bereiche
                .iter()
                .map(|&b| {
                    let f = &doc.features[b];
                    let (g, gl) = encode(f, "geltungsbereich", &mut Bbox::empty())?;
                    Ok(PreparedBereich {
                        gml_id: f.gml_id.clone(),
                        nummer: f.int("nummer"),
                        name: f.text("name").map(str::to_string),
                        bedeutung: f.int("bedeutung"),
                        geltungsbereich: g,
                        geltungsbereich_lin: gl,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let rechtsstand = plan.int("rechtsstand");
            let status = opts
                .status
                .unwrap_or_else(|| PlanStatus::from_rechtsstand(pd.plan_type, rechtsstand));
            use crate::xplan::props::Value as P;
            let plan_art = match plan.properties.get("planArt") {
                Some(P::Array(a)) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                Some(P::String(s)) => vec![s.to_string()],
                Some(P::Object(o)) => o
                    .get("value")
                    .and_then(P::as_str)
                    .map(|s| vec![s.to_string()])
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            let root_bounded_by = if single {
                doc.bounded_by.clone().map(|r| doc.source[r].to_string())
            } else {
                None
            };
            Ok(PreparedPlan {
                name: pd.name(doc).to_string(),
                nummer: plan.text("nummer").map(str::to_string),
                internal_id: opts
                    .internal_id
                    .clone()
                    .or_else(|| plan.text("internalId").map(str::to_string)),
                plan_type: pd.plan_type.as_str(),
                plan_class: plan.feature_type.clone(),
                version: doc.version.as_str(),
                gml_id: plan.gml_id.clone(),
                rechtsstand,
                status,
                plan_art,
                gemeinde: Value::Array(
                    gemeinden(plan)
                        .into_iter()
                        .map(|g| Value::Object(g.to_json()))
                        .collect(),
                ),
                ags: pd.ags(doc),
                srid: plan_srid as i32,
                geltungsbereich,
                geltungsbereich_lin,
                bbox: Some(bbox),
                root_element: doc.root_element.clone(),
                root_gml_id: doc.root_gml_id.clone(),
                namespaces: namespaces.clone(),
                root_bounded_by,
                bereiche,
                features,
                type_counts,
                plan_id_offsets,
                feature_count: pd.members.len(),
            })
        }
    }
}
