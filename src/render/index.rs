//! The in-memory map data: per plan, its drawable features with their
//! resolved layer, style rule and label, an R-tree over their bounding boxes
//! in the storage CRS, and a lazily filled cache of the features projected
//! to other CRSs. Plans are added and removed as they are imported and
//! deleted; readers take a cheap snapshot (a list of `Arc`s).

use super::labels::{self, Label};
use super::style::{GeomKind, Styles, ZGroup};
use super::RenderError;
use crate::gml::wkb::{read_paths, Paths};
use rayon::prelude::*;
use rstar::{primitives::GeomWithData, primitives::Rectangle, RTree, AABB};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// A plan as the map service sees it.
#[derive(Debug, Clone)]
pub struct PlanInfo {
    pub id: i64,
    pub name: String,
    pub plan_type: String,
    pub status: String,
    pub version: String,
}

/// One stored feature, as read from the database.
#[derive(Debug, Clone)]
pub struct FeatureRow {
    pub seq: i32,
    pub gml_id: String,
    pub feature_type: String,
    pub flaechenschluss: Option<bool>,
    pub ebene: Option<i32>,
    pub properties: serde_json::Value,
    /// WKB of the linearised geometry in the storage CRS (None: no geometry).
    pub wkb: Option<Vec<u8>>,
}

/// A drawable feature.
#[derive(Debug)]
pub struct MapFeature {
    pub gml_id: Box<str>,
    pub layer: u32,
    /// Index of the matched rule in the class's rules; None = default rule.
    pub rule: Option<u16>,
    pub kind: GeomKind,
    pub z: ZGroup,
    pub seq: i32,
    pub paths: Paths,
    pub bbox: [f64; 4],
    pub label: Option<Label>,
    /// The codes its style rules look at (for vector tiles).
    pub codes: Box<[(Box<str>, Box<str>)]>,
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The drawable content of one plan.
#[derive(Debug)]
pub struct PlanMap {
    pub info: PlanInfo,
    /// Draw order among plans: the newest legal date on top.
    pub sort_key: (String, i64),
    pub features: Vec<MapFeature>,
    /// Georeferenced scans of the plan, drawn below everything.
    pub rasters: Vec<super::raster::RasterScan>,
    /// The layer of the plan's scans.
    pub raster_layer: u32,
    tree: RTree<Entry>,
    pub bbox: Option<[f64; 4]>,
    projected: Mutex<HashMap<u32, Arc<Vec<Paths>>>>,
}

impl PlanMap {
    /// Indices of the features whose bounding box meets `b` (storage CRS).
    pub fn query(&self, b: [f64; 4]) -> impl Iterator<Item = u32> + '_ {
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_corners([b[0], b[1]], [b[2], b[3]]))
            .map(|e| e.data)
    }

    /// The features' geometries in `srid` (computed once per CRS, in parallel).
    pub fn projected(&self, storage: u32, srid: u32) -> Result<Arc<Vec<Paths>>, RenderError> {
        if let Some(p) = self
            .projected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&srid)
        {
            return Ok(p.clone());
        }
        let out: Result<Vec<Paths>, crate::crs::CrsError> = self
            .features
            .par_iter()
            .map(|f| {
                let mut p = f.paths.clone();
                crate::crs::transform_xy(&mut p.coords, storage, srid)?;
                Ok(p)
            })
            .collect();
        let out = Arc::new(out.map_err(|e| RenderError::Crs(e.to_string()))?);
        self.projected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(srid, out.clone());
        Ok(out)
    }
}

/// Which plans a service shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanFilter {
    All,
    Status(String),
    PlanType(String),
    Plans(Vec<i64>),
}

impl PlanFilter {
    pub fn accepts(&self, p: &PlanInfo) -> bool {
        match self {
            PlanFilter::All => true,
            PlanFilter::Status(s) => &p.status == s,
            PlanFilter::PlanType(t) => &p.plan_type == t,
            PlanFilter::Plans(ids) => ids.contains(&p.id),
        }
    }
}

/// All plans' map data, shared by the request handlers.
pub struct MapData {
    /// Copy-on-write: readers take the `Arc` and let go of the lock at
    /// once (no lock is held while drawing); new layers replace it.
    styles: RwLock<Arc<Styles>>,
    pub storage_srid: u32,
    plans: RwLock<Arc<Vec<Arc<PlanMap>>>>,
    /// Counts plan changes (after each swap): work that took a snapshot
    /// under an older generation must not be cached.
    generation: std::sync::atomic::AtomicU64,
    /// Called after each change with the boxes (storage CRS) of the plans
    /// before and after it, e.g. to drop cached tiles.
    on_change: RwLock<Option<ChangeHook>>,
}

/// See [`MapData::set_change_hook`].
pub type ChangeHook = Arc<dyn Fn(&[[f64; 4]]) + Send + Sync>;

impl MapData {
    pub fn new(styles: Styles, storage_srid: u32) -> MapData {
        MapData {
            styles: RwLock::new(Arc::new(styles)),
            storage_srid,
            plans: RwLock::new(Arc::new(vec![])),
            generation: std::sync::atomic::AtomicU64::new(0),
            on_change: RwLock::new(None),
        }
    }

    /// The number of plan changes so far; read it before `snapshot()`.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Registers the function told about every change (see `on_change`).
    pub fn set_change_hook(&self, hook: ChangeHook) {
        *self.on_change.write().unwrap_or_else(|p| p.into_inner()) = Some(hook);
    }

    /// After a swap: a new generation, then the hook with the changed boxes.
    fn changed(&self, boxes: Vec<[f64; 4]>) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        let hook = self
            .on_change
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(h) = hook {
            if !boxes.is_empty() {
                h(&boxes);
            }
        }
    }

    /// The current layers and style rules.
    pub fn styles(&self) -> Arc<Styles> {
        self.styles
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The styles with a layer for every (plan type, feature type) given,
    /// registering new ones (copy-on-write, briefly under the write lock).
    fn styles_with_layers(&self, plan_type: &str, types: &[&str]) -> Arc<Styles> {
        let cur = self.styles();
        let all = types.iter().copied().chain([super::style::RASTER_TYPE]);
        if all.clone().all(|t| cur.has_layer_for(plan_type, t)) {
            return cur;
        }
        let mut guard = self.styles.write().unwrap_or_else(|p| p.into_inner());
        let mut next = (**guard).clone();
        for t in all {
            next.layer_for(plan_type, t);
        }
        let next = Arc::new(next);
        *guard = next.clone();
        next
    }

    /// The current plans, oldest first (drawing order).
    pub fn snapshot(&self) -> Arc<Vec<Arc<PlanMap>>> {
        self.plans.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Builds a plan's map data from its rows (CPU work: call off the async executor).
    pub fn build_plan(
        &self,
        info: PlanInfo,
        rows: Vec<FeatureRow>,
        rasters: Vec<super::raster::RasterScan>,
    ) -> PlanMap {
        let by_id: HashMap<&str, &FeatureRow> =
            rows.iter().map(|r| (r.gml_id.as_str(), r)).collect();
        let mut sort_date = String::new();
        let mut types: Vec<&str> = rows.iter().map(|r| r.feature_type.as_str()).collect();
        types.sort_unstable();
        types.dedup();
        let styles = self.styles_with_layers(&info.plan_type, &types);
        let mut features = Vec::with_capacity(rows.len());
        for r in &rows {
            if r.feature_type.ends_with("_Plan") {
                for k in [
                    "inkrafttretensDatum",
                    "wirksamkeitsDatum",
                    "datumDesInkrafttretens",
                    "technHerstellDatum",
                ] {
                    if let Some(d) = r.properties.get(k).and_then(|v| v.as_str()) {
                        sort_date = d.to_string();
                        break;
                    }
                }
            }
            let Some(wkb) = &r.wkb else { continue };
            let paths = match read_paths(wkb) {
                Ok(p) if !p.coords.is_empty() => p,
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!("plan {}: feature {}: {e}", info.id, r.gml_id);
                    continue;
                }
            };
            let Some(bbox) = paths.bbox() else { continue };
            let kind = match paths.dim {
                0 => GeomKind::Point,
                1 => GeomKind::Line,
                _ => GeomKind::Area,
            };
            let layer = styles
                .layer_of(&info.plan_type, &r.feature_type)
                .expect("registered above") as u32;
            let extra = |k: &str| match k {
                "flaechenschluss" => r.flaechenschluss.map(|b| b.to_string()),
                "ebene" => Some(r.ebene.unwrap_or(0).to_string()),
                _ => None,
            };
            let rule = styles.match_rule(&r.feature_type, &r.properties, &extra);
            let label = labels::resolve(&r.feature_type, &r.properties, &|id: &str| {
                by_id.get(id.trim_start_matches('#')).map(|f| &f.properties)
            });
            let rule_def = match rule {
                Some(i) => &styles.rules_of(&r.feature_type).expect("matched")[i],
                None => styles.default_rule(kind),
            };
            let z = rule_def.z.unwrap_or(if label.is_some() {
                ZGroup::Label
            } else {
                match kind {
                    GeomKind::Point => ZGroup::Point,
                    GeomKind::Line => ZGroup::Line,
                    GeomKind::Area
                        if rule_def.fill.is_some()
                            && r.flaechenschluss != Some(false)
                            && r.ebene.unwrap_or(0) == 0 =>
                    {
                        ZGroup::Fill
                    }
                    GeomKind::Area => ZGroup::Overlay,
                }
            });
            // A class whose rules match nothing (and has no catch-all) is not drawn.
            if rule.is_none() && styles.rules_of(&r.feature_type).is_some() {
                continue;
            }
            features.push(MapFeature {
                gml_id: r.gml_id.as_str().into(),
                layer,
                rule: rule.map(|i| i as u16),
                kind,
                z,
                seq: r.seq,
                paths,
                bbox,
                label,
                codes: styles
                    .rule_codes(&r.feature_type, &r.properties)
                    .into_boxed_slice(),
            });
        }
        let raster_layer = styles
            .layer_of(&info.plan_type, super::style::RASTER_TYPE)
            .expect("registered above") as u32;
        let entries: Vec<Entry> = features
            .iter()
            .enumerate()
            .map(|(i, f)| {
                GeomWithData::new(
                    Rectangle::from_corners([f.bbox[0], f.bbox[1]], [f.bbox[2], f.bbox[3]]),
                    i as u32,
                )
            })
            .collect();
        let bbox = features
            .iter()
            .map(|f| f.bbox)
            .chain(rasters.iter().map(|r| r.bbox))
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            });
        PlanMap {
            sort_key: (sort_date, info.id),
            info,
            features,
            rasters,
            raster_layer,
            tree: RTree::bulk_load(entries),
            bbox,
            projected: Mutex::new(HashMap::new()),
        }
    }

    /// Adds or replaces a plan.
    pub fn insert(&self, plan: PlanMap) {
        let mut boxes: Vec<[f64; 4]> = plan.bbox.into_iter().collect();
        {
            let mut guard = self.plans.write().unwrap_or_else(|p| p.into_inner());
            let mut v: Vec<Arc<PlanMap>> = Vec::with_capacity(guard.len() + 1);
            for p in guard.iter() {
                if p.info.id == plan.info.id {
                    boxes.extend(p.bbox);
                } else {
                    v.push(p.clone());
                }
            }
            v.push(Arc::new(plan));
            v.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
            *guard = Arc::new(v);
        }
        self.changed(boxes);
    }

    /// Removes a plan; true if it was there.
    pub fn remove(&self, id: i64) -> bool {
        self.retain_where(|p| p.info.id != id) > 0
    }

    /// Keeps only the plans in `ids`.
    pub fn retain(&self, ids: &[i64]) {
        self.retain_where(|p| ids.contains(&p.info.id));
    }

    /// Keeps the plans `keep` accepts; returns how many went.
    fn retain_where(&self, keep: impl Fn(&PlanMap) -> bool) -> usize {
        let mut boxes = Vec::new();
        let mut gone = 0;
        {
            let mut guard = self.plans.write().unwrap_or_else(|p| p.into_inner());
            let mut v: Vec<Arc<PlanMap>> = Vec::with_capacity(guard.len());
            for p in guard.iter() {
                if keep(p) {
                    v.push(p.clone());
                } else {
                    gone += 1;
                    boxes.extend(p.bbox);
                }
            }
            *guard = Arc::new(v);
        }
        if gone > 0 {
            self.changed(boxes);
        }
        gone
    }

    /// The layers with features (and, with `scans`, the raster layers of
    /// plans with scans) among the plans a filter accepts.
    pub fn used_layers(&self, filter: &PlanFilter, scans: bool) -> std::collections::BTreeSet<u32> {
        let mut out = std::collections::BTreeSet::new();
        for p in self.snapshot().iter().filter(|p| filter.accepts(&p.info)) {
            out.extend(p.features.iter().map(|f| f.layer));
            if scans && !p.rasters.is_empty() {
                out.insert(p.raster_layer);
            }
        }
        out
    }

    /// Union of the bounding boxes (storage CRS) of the plans a filter accepts.
    pub fn extent(&self, filter: &PlanFilter) -> Option<[f64; 4]> {
        self.snapshot()
            .iter()
            .filter(|p| filter.accepts(&p.info))
            .filter_map(|p| p.bbox)
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            })
    }
}
