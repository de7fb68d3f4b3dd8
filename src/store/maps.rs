//! Keeps the in-memory map data (render::MapData) in step with the
//! database: loads every plan at start, then follows the `xplan_plans`
//! notifications (sent on commit by a trigger, also for imports and deletes
//! made by other processes) and reloads or drops exactly the plans named.

use super::{Store, StoreError};
use crate::render::raster::RasterScan;
use crate::render::{FeatureRow, MapData, PlanInfo};
use futures_util::TryStreamExt;
use sqlx::Row;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// Maximum distance between an arc and its drawn chords, in metres.
const MAP_CHORD_ERROR: f64 = 0.005;

/// A feature row as read, its properties still JSON text.
pub struct MapRow {
    row: FeatureRow,
    props: String,
}

impl MapRow {
    /// The row with its properties parsed (CPU work).
    pub fn parse(self) -> FeatureRow {
        FeatureRow {
            properties: serde_json::from_str(&self.props).unwrap_or(serde_json::Value::Null),
            ..self.row
        }
    }
}

impl Store {
    /// The plans the maps show.
    pub async fn map_plans(&self) -> Result<Vec<PlanInfo>, StoreError> {
        let rows =
            sqlx::query("SELECT id, name, plan_type, status, version FROM plans ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.iter().map(plan_info).collect())
    }

    pub async fn map_plan(&self, id: i64) -> Result<Option<PlanInfo>, StoreError> {
        let row =
            sqlx::query("SELECT id, name, plan_type, status, version FROM plans WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.as_ref().map(plan_info))
    }

    /// A plan's features for the maps: geometries linearised in the storage
    /// CRS, arcs re-linearised finely so curves stay smooth when zoomed in.
    /// The properties come as JSON text: parse them off the async executor
    /// ([`MapRow::parse`]).
    pub async fn map_features(&self, plan_id: i64) -> Result<Vec<MapRow>, StoreError> {
        // (ST_Transform is not free even between equal CRSs: skipped then)
        let sql = format!(
            "SELECT seq, gml_id, feature_type, flaechenschluss, ebene, properties::text AS props,
                    ST_AsBinary(CASE WHEN geom IS NULL OR NOT ST_HasArc(geom) THEN geom_lin
                        WHEN ST_SRID(geom) = ST_SRID(geom_lin)
                        THEN ST_CurveToLine(geom, {MAP_CHORD_ERROR}, 1, 1)
                        ELSE ST_Transform(ST_CurveToLine(geom, {MAP_CHORD_ERROR}, 1, 1), ST_SRID(geom_lin))
                        END) AS wkb
             FROM features WHERE plan_id = $1 ORDER BY seq"
        );
        let mut rows = sqlx::query(&sql).bind(plan_id).fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(r) = rows.try_next().await? {
            out.push(MapRow {
                row: FeatureRow {
                    seq: r.try_get("seq")?,
                    gml_id: r.try_get("gml_id")?,
                    feature_type: r.try_get("feature_type")?,
                    flaechenschluss: r.try_get("flaechenschluss")?,
                    ebene: r.try_get("ebene")?,
                    properties: serde_json::Value::Null,
                    wkb: r.try_get("wkb")?,
                },
                props: r.try_get("props")?,
            });
        }
        Ok(out)
    }

    /// The plan's scans: (name, image, world file, plan CRS) for every
    /// TIFF attachment (possibly a GeoTIFF) and every PNG or JPEG with a world
    /// file of the same stem (.pgw/.pngw, .jgw/.jpgw, .tfw/.tifw or .wld);
    /// images without georeferencing (legends) are not read.
    pub async fn map_scans(
        &self,
        plan_id: i64,
    ) -> Result<Vec<(String, Vec<u8>, Option<String>, i32)>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, data, srid, world FROM (
             SELECT i.name, i.data, p.srid,
                    (SELECT w.data FROM attachments w
                     WHERE w.plan_id = i.plan_id
                       AND lower(w.name) IN (stem || '.pgw', stem || '.pngw', stem || '.jgw', stem || '.jpgw',
                                             stem || '.tfw', stem || '.tifw', stem || '.wld', lower(i.name) || 'w')
                     LIMIT 1) AS world
             FROM attachments i
             JOIN plans p ON p.id = i.plan_id
             CROSS JOIN LATERAL (SELECT lower(regexp_replace(i.name, '\\.[^.]*$', '')) AS stem) s
             WHERE i.plan_id = $1 AND lower(i.name) ~ '\\.(png|jpe?g|tiff?)$') x
             WHERE world IS NOT NULL OR lower(name) ~ '\\.tiff?$'
             ORDER BY name",
        )
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let world: Option<Vec<u8>> = r.get("world");
                let world = world.map(|w| String::from_utf8_lossy(&w).into_owned());
                (r.get("name"), r.get("data"), world, r.get("srid"))
            })
            .collect())
    }

    /// Loads (or reloads) one plan into `maps`; drops it when it is gone.
    pub async fn sync_plan(&self, maps: &Arc<MapData>, id: i64) -> Result<(), StoreError> {
        let Some(info) = self.map_plan(id).await? else {
            maps.remove(id);
            return Ok(());
        };
        let rows = self.map_features(id).await?;
        let scans = self.map_scans(id).await?;
        let m = maps.clone();
        let storage = maps.storage_srid;
        let plan = tokio::task::spawn_blocking(move || {
            let rasters = scans
                .into_iter()
                .filter_map(|(name, data, world, srid)| {
                    let key = format!("{id}/{name}");
                    let r = RasterScan::new(key, data, world.as_deref(), srid as u32, storage);
                    if r.is_none() {
                        tracing::warn!(
                            "plan {id}: {name} is not a readable georeferenced image (world file or GeoTIFF)"
                        );
                    }
                    r
                })
                .collect();
            let rows = rows.into_iter().map(MapRow::parse).collect();
            m.build_plan(info, rows, rasters)
        })
        .await
        .map_err(|e| {
            StoreError::Input(crate::xplan::XplanError::Structure(format!(
                "map build failed: {e}"
            )))
        })?;
        maps.insert(plan);
        Ok(())
    }

    /// Loads all plans, dropping those that no longer exist; four at a
    /// time (reading one plan's rows overlaps building another's index).
    pub async fn sync_all(&self, maps: &Arc<MapData>) -> Result<(), StoreError> {
        use futures_util::StreamExt;
        let plans = self.map_plans().await?;
        let ids: Vec<i64> = plans.iter().map(|p| p.id).collect();
        maps.retain(&ids);
        let mut loads = futures_util::stream::iter(ids)
            .map(|id| async move { (id, self.sync_plan(maps, id).await) })
            .buffer_unordered(4);
        while let Some((id, r)) = loads.next().await {
            // one plan that cannot be loaded must not keep the others out
            if let Err(e) = r {
                tracing::error!("plan {id}: cannot load its map data: {e}");
            }
        }
        Ok(())
    }

    /// Follows plan changes forever (spawn it): listens, loads all plans
    /// (then sends on `loaded`, once), and reloads or drops the plans named
    /// by notifications. Reconnects after errors and then reloads
    /// everything, so no change is missed.
    pub async fn follow_plan_changes(
        self,
        maps: Arc<MapData>,
        mut loaded: Option<tokio::sync::oneshot::Sender<Result<(), StoreError>>>,
    ) {
        loop {
            if let Err(e) = self.follow_once(&maps, &mut loaded).await {
                match loaded.take() {
                    // the first load failed: the server does not start
                    Some(tx) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                    None => tracing::warn!("plan change listener: {e}; reconnecting"),
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn follow_once(
        &self,
        maps: &Arc<MapData>,
        loaded: &mut Option<tokio::sync::oneshot::Sender<Result<(), StoreError>>>,
    ) -> Result<(), StoreError> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        // report a lost connection as Ok(None) instead of reconnecting
        // inside try_recv (which a timeout could cancel unnoticed)
        listener.eager_reconnect(false);
        listener.listen("xplan_plans").await?;
        // all plans, or the changes made while not listening
        self.sync_all(maps).await?;
        if let Some(tx) = loaded.take() {
            let _ = tx.send(Ok(()));
        }
        loop {
            let Some(first) = listener.try_recv().await? else {
                // connection lost and re-established: notifications may be lost
                self.sync_all(maps).await?;
                continue;
            };
            let mut pending = BTreeSet::new();
            pending.insert(first.payload().to_string());
            // collect what else arrives right now (an import sends several)
            loop {
                match tokio::time::timeout(Duration::from_millis(20), listener.try_recv()).await {
                    Ok(Ok(Some(n))) => {
                        pending.insert(n.payload().to_string());
                    }
                    Ok(Ok(None)) => {
                        self.sync_all(maps).await?;
                        pending.clear();
                        break;
                    }
                    Ok(Err(e)) => return Err(e.into()),
                    Err(_) => break,
                }
            }
            let ids: BTreeSet<i64> = pending
                .iter()
                .filter_map(|p| p.split_once(' ').and_then(|(_, id)| id.parse().ok()))
                .collect();
            for id in ids {
                tracing::info!("plan {id} changed: updating maps");
                if let Err(e) = self.sync_plan(maps, id).await {
                    tracing::error!("plan {id}: cannot load its map data: {e}");
                }
            }
        }
    }
}

fn plan_info(r: &sqlx::postgres::PgRow) -> PlanInfo {
    PlanInfo {
        id: r.get("id"),
        name: r.get("name"),
        plan_type: r.get("plan_type"),
        status: r.get("status"),
        version: r.get("version"),
    }
}

/// A feature as GetFeatureInfo shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FeatureInfo {
    pub plan_id: i64,
    pub plan_name: String,
    pub version: String,
    pub gml_id: String,
    pub feature_type: String,
    pub properties: serde_json::Value,
    pub xml: String,
    /// GeoJSON geometry in EPSG:4326 (lon/lat).
    pub geometry: Option<serde_json::Value>,
    /// Namespace bindings of the plan document (prefix -> URI).
    pub namespaces: serde_json::Value,
    /// Linked textual regulations: (gml:id, properties).
    pub texts: Vec<(String, serde_json::Value)>,
    /// Names of the plan's attached documents.
    pub documents: Vec<String>,
}

fn hrefs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Array(a) => a.iter().for_each(|e| hrefs(e, out)),
        serde_json::Value::Object(o) => {
            if let Some(h) = o.get("href").and_then(|h| h.as_str()) {
                out.push(h.trim_start_matches('#').to_string());
            }
        }
        _ => {}
    }
}

impl Store {
    /// Details of one feature for GetFeatureInfo.
    pub async fn feature_info(
        &self,
        plan_id: i64,
        gml_id: &str,
    ) -> Result<Option<FeatureInfo>, StoreError> {
        let Some(r) = sqlx::query(
            "SELECT p.name, p.version, p.namespaces::text AS ns, f.feature_type, f.properties::text AS props, f.xml,
                    ST_AsGeoJSON(ST_Transform(f.geom_lin, 4326), 7)::text AS gj
             FROM features f JOIN plans p ON p.id = f.plan_id
             WHERE f.plan_id = $1 AND f.gml_id = $2",
        )
        .bind(plan_id)
        .bind(gml_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let props: serde_json::Value =
            serde_json::from_str(&r.get::<String, _>("props")).unwrap_or_default();
        let mut refs = vec![];
        for k in ["refTextInhalt", "refBegruendungInhalt"] {
            if let Some(v) = props.get(k) {
                hrefs(v, &mut refs);
            }
        }
        let texts = if refs.is_empty() {
            vec![]
        } else {
            sqlx::query(
                "SELECT gml_id, properties::text AS props FROM features
                 WHERE plan_id = $1 AND gml_id = ANY($2) ORDER BY seq",
            )
            .bind(plan_id)
            .bind(&refs)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|t| {
                (
                    t.get::<String, _>("gml_id"),
                    serde_json::from_str(&t.get::<String, _>("props")).unwrap_or_default(),
                )
            })
            .collect()
        };
        let documents: Vec<String> =
            sqlx::query_scalar("SELECT name FROM attachments WHERE plan_id = $1 ORDER BY name")
                .bind(plan_id)
                .fetch_all(&self.pool)
                .await?;
        let gj: Option<String> = r.get("gj");
        Ok(Some(FeatureInfo {
            plan_id,
            plan_name: r.get("name"),
            version: r.get("version"),
            gml_id: gml_id.to_string(),
            feature_type: r.get("feature_type"),
            properties: props,
            xml: r.get("xml"),
            geometry: gj.and_then(|g| serde_json::from_str(&g).ok()),
            namespaces: serde_json::from_str(&r.get::<String, _>("ns")).unwrap_or_default(),
            texts,
            documents,
        }))
    }
}

impl Store {
    /// One attached document of a plan: (media type, bytes).
    pub async fn attachment(
        &self,
        plan_id: i64,
        name: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let row = sqlx::query(
            "SELECT media_type, data FROM attachments WHERE plan_id = $1 AND name = $2",
        )
        .bind(plan_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (r.get("media_type"), r.get("data"))))
    }
}
