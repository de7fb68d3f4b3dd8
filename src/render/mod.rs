//! The rendering core: map data in memory (per plan an R-tree of prepared
//! geometries with their resolved style), rules from style files, and a
//! tiny-skia rasteriser. No async in here; large images are drawn in
//! horizontal bands in parallel (rayon).

pub mod coverage;
pub mod draw;
pub mod encode;
pub mod index;
pub mod labels;
pub mod legend;
pub mod raster;
pub mod style;
pub mod text;

pub use index::{FeatureRow, MapData, PlanFilter, PlanInfo, PlanMap};
pub use style::{Color, Styles};

use draw::View;
use rayon::prelude::*;
use std::sync::Arc;
use tiny_skia::Pixmap;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("style: {0}")]
    Style(String),
    #[error("coordinate transformation: {0}")]
    Crs(String),
    #[error("invalid request: {0}")]
    Request(String),
    #[error("image encoding: {0}")]
    Encode(String),
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct MapRequest {
    /// [minx, miny, maxx, maxy] in `srid`, easting/longitude first.
    pub bbox: [f64; 4],
    pub srid: u32,
    pub width: u32,
    pub height: u32,
    /// Layer indices to draw (`Styles::layers`).
    pub layers: Vec<u32>,
    pub filter: PlanFilter,
    /// Background; alpha 0 for a transparent image.
    pub background: Color,
    /// Layers drawn in the "transparent" style: outlines, lines, symbols
    /// and text, no fills or hatches.
    pub outline_layers: Vec<u32>,
}

/// Standardised rendering pixel size (OGC SLD/WMS): 0.28 mm.
pub const PIXEL_SIZE_M: f64 = 0.000_28;

/// Ground metres per pixel and the scale denominator of a request.
pub fn resolution(bbox: [f64; 4], srid: u32, width: u32, height: u32) -> (f64, f64) {
    let (mut rx, mut ry) = (
        (bbox[2] - bbox[0]) / width.max(1) as f64,
        (bbox[3] - bbox[1]) / height.max(1) as f64,
    );
    if crate::crs::is_geographic(srid) {
        let lat = ((bbox[1] + bbox[3]) / 2.0).to_radians();
        rx *= 111_320.0 * lat.cos();
        ry *= 110_574.0;
    }
    let res = (rx + ry) / 2.0;
    // The scale denominator is in map units (as other WMS servers do);
    // lengths given in ground metres use true metres per pixel: in Web
    // Mercator a map metre is cos(latitude) ground metres.
    let ground = if srid == 3857 {
        let y = (bbox[1] + bbox[3]) / 2.0;
        let lat = (2.0 * (y / 6_378_137.0).exp().atan() - std::f64::consts::FRAC_PI_2).cos();
        res * lat
    } else {
        res
    };
    (ground, res / PIXEL_SIZE_M)
}

/// The request's bbox in the storage CRS (densified edges), widened by
/// `margin` of its own size.
pub(crate) fn storage_bbox(req: &MapRequest, storage: u32, margin: f64) -> Option<[f64; 4]> {
    let b = req.bbox;
    let (mx, my) = ((b[2] - b[0]) * margin, (b[3] - b[1]) * margin);
    let b = [b[0] - mx, b[1] - my, b[2] + mx, b[3] + my];
    if req.srid == storage {
        return Some(b);
    }
    const N: usize = 16;
    let mut pts = Vec::with_capacity(4 * N + 4);
    for i in 0..=N {
        let t = i as f64 / N as f64;
        let x = b[0] + (b[2] - b[0]) * t;
        let y = b[1] + (b[3] - b[1]) * t;
        pts.extend([[x, b[1]], [x, b[3]], [b[0], y], [b[2], y]]);
    }
    let mut out = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for mut p in pts {
        let mut one = [p];
        if crate::crs::transform_xy(&mut one, req.srid, storage).is_err() {
            continue;
        }
        p = one[0];
        if p[0].is_finite() && p[1].is_finite() {
            out = [
                out[0].min(p[0]),
                out[1].min(p[1]),
                out[2].max(p[0]),
                out[3].max(p[1]),
            ];
        }
    }
    out[0].is_finite().then_some(out)
}

/// A plan's geometries in the request CRS (None: the storage CRS).
type Projected = Option<Arc<Vec<crate::gml::wkb::Paths>>>;

struct Hit {
    z: style::ZGroup,
    sort: (String, i64),
    seq: i32,
    plan: Arc<PlanMap>,
    feature: u32,
}

struct Item {
    z: style::ZGroup,
    plan: usize,
    seq: i32,
    feature: u32,
}

/// Runs CPU work on the rayon pool and awaits its result; None when it
/// panicked (logged; the pool and the process go on).
pub async fn on_rayon<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(r);
    });
    match rx.await {
        Ok(Ok(v)) => Some(v),
        _ => {
            tracing::error!("a task on the rendering pool panicked");
            None
        }
    }
}

/// Renders a map. CPU work: call from rayon or a blocking thread. Large
/// images are drawn in horizontal bands in parallel.
pub fn render(data: &MapData, req: &MapRequest) -> Result<Pixmap, RenderError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Bands only pay when threads are idle: under load, every thread is
    // already busy with a request of its own.
    static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
    let busy = IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
    let threads = rayon::current_num_threads();
    let idle = threads.saturating_sub(busy);
    let bands = if (req.width as u64) * (req.height as u64) >= 400_000 && idle > 1 {
        idle.min(req.height as usize / 64).max(1)
    } else {
        1
    };
    let r = render_in_bands(data, req, bands);
    IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    r
}

/// Renders a map in `bands` horizontal bands (drawn in parallel).
/// Layer ids as a mask over all `n` layers (unknown ids ignored).
pub(crate) fn layer_mask(ids: &[u32], n: usize) -> Vec<bool> {
    let mut m = vec![false; n];
    for &l in ids {
        if let Some(x) = m.get_mut(l as usize) {
            *x = true;
        }
    }
    m
}

pub fn render_in_bands(
    data: &MapData,
    req: &MapRequest,
    bands: usize,
) -> Result<Pixmap, RenderError> {
    let (w, h) = (req.width, req.height);
    let mut pm =
        Pixmap::new(w, h).ok_or_else(|| RenderError::Request(format!("bad image size {w}x{h}")))?;
    let b = req.bbox;
    if !(b[2] > b[0] && b[3] > b[1]) || b.iter().any(|v| !v.is_finite()) {
        return Err(RenderError::Request(
            "the bounding box must have minx < maxx and miny < maxy".into(),
        ));
    }
    if req.background.0[3] != 0 {
        pm.fill(req.background.skia());
    }
    let (res_m, scale) = resolution(b, req.srid, w, h);
    let storage = data.storage_srid;
    let Some(qb) = storage_bbox(req, storage, 0.15) else {
        return Ok(pm);
    };
    let plans = data.snapshot();
    let styles = data.styles();
    let wanted = layer_mask(&req.layers, styles.layers.len());
    let outline = layer_mask(&req.outline_layers, styles.layers.len());
    let mut items = Vec::new();
    let mut used_plans: Vec<(Arc<PlanMap>, Projected)> = vec![];
    for p in plans.iter() {
        if !req.filter.accepts(&p.info) {
            continue;
        }
        let Some(pb) = p.bbox else { continue };
        if pb[0] > qb[2] || pb[2] < qb[0] || pb[1] > qb[3] || pb[3] < qb[1] {
            continue;
        }
        let idx = used_plans.len();
        let before = items.len();
        let draw_scans = !p.rasters.is_empty()
            && wanted
                .get(p.raster_layer as usize)
                .copied()
                .unwrap_or(false);
        for fi in drawn_features(p, qb, &wanted, &styles, scale) {
            let f = &p.features[fi as usize];
            items.push(Item {
                z: f.z,
                plan: idx,
                seq: f.seq,
                feature: fi,
            });
        }
        if items.len() > before || draw_scans {
            let proj = if req.srid == storage {
                None
            } else {
                Some(p.projected(storage, req.srid)?)
            };
            used_plans.push((p.clone(), proj));
        }
    }
    items.sort_unstable_by_key(|i| (i.z, i.plan, i.seq, i.feature));
    let view = View {
        x0: b[0],
        y0: b[3],
        kx: w as f64 / (b[2] - b[0]),
        ky: h as f64 / (b[3] - b[1]),
        res_m,
        scale,
        row0: 0.0,
    };
    let draw_band = |pm: &mut Pixmap, view: &View, rows: (f64, f64)| {
        for (plan, _) in &used_plans {
            if !wanted
                .get(plan.raster_layer as usize)
                .copied()
                .unwrap_or(false)
            {
                continue;
            }
            for r in &plan.rasters {
                if r.bbox[0] > qb[2] || r.bbox[2] < qb[0] || r.bbox[1] > qb[3] || r.bbox[3] < qb[1]
                {
                    continue;
                }
                if let Err(e) = r.draw(pm, view, req.srid) {
                    tracing::warn!("plan {}: scan {}: {e}", plan.info.id, r.key);
                }
            }
        }
        for it in &items {
            let (plan, proj) = &used_plans[it.plan];
            let f = &plan.features[it.feature as usize];
            // invisible: less than a third of a pixel in both directions
            if f.label.is_none()
                && f.kind != style::GeomKind::Point
                && (f.bbox[2] - f.bbox[0]) * view.kx < 0.33
                && (f.bbox[3] - f.bbox[1]) * view.ky < 0.33
            {
                continue;
            }
            let paths = match proj {
                Some(v) => &v[it.feature as usize],
                None => &f.paths,
            };
            if rows.0 > 0.0 || rows.1 < h as f64 {
                // skip features far from this band
                // (labels are never culled: rotated text reaches far)
                if let (None, Some(bb)) = (&f.label, paths.bbox()) {
                    let top = (view.y0 - bb[3]) * view.ky;
                    let bottom = (view.y0 - bb[1]) * view.ky;
                    let rule = rule_of(&styles, data_layer_type(&styles, f), f);
                    let widest = rule
                        .stroke
                        .iter()
                        .map(|s| s.width.px(view.res_m).max(s.min_px) as f64)
                        .fold(0.0, f64::max);
                    let pad = widest / 2.0 + 66.0;
                    if bottom < rows.0 - pad || top > rows.1 + pad {
                        continue;
                    }
                }
            }
            let rule = rule_of(&styles, data_layer_type(&styles, f), f);
            let outline = outline.get(f.layer as usize).copied().unwrap_or(false);
            draw::draw_feature(pm, f, paths, rule, &styles.labels, view, outline);
        }
    };
    let bands = bands.clamp(1, h as usize);
    if bands > 1 {
        let band_h = (h as usize).div_ceil(bands);
        let bands = (h as usize).div_ceil(band_h);
        let parts: Vec<Option<Pixmap>> = (0..bands)
            .into_par_iter()
            .map(|i| {
                let r0 = i * band_h;
                let bh = band_h.min(h as usize - r0) as u32;
                let mut bpm = Pixmap::new(w, bh)?;
                if req.background.0[3] != 0 {
                    bpm.fill(req.background.skia());
                }
                let v = View {
                    row0: r0 as f64,
                    ..view
                };
                draw_band(&mut bpm, &v, (r0 as f64, (r0 + bh as usize) as f64));
                Some(bpm)
            })
            .collect();
        let stride = w as usize * 4;
        let dst = pm.data_mut();
        for (i, part) in parts.into_iter().enumerate() {
            let part = part.ok_or_else(|| RenderError::Request("image too large".into()))?;
            let off = i * band_h * stride;
            dst[off..off + part.data().len()].copy_from_slice(part.data());
        }
    } else {
        draw_band(&mut pm, &view, (0.0, h as f64));
    }
    Ok(pm)
}

/// The features of a plan in `qb` (storage CRS) that are drawn: in a
/// wanted layer and visible at the scale.
pub(crate) fn drawn_features<'a>(
    p: &'a PlanMap,
    qb: [f64; 4],
    wanted: &'a [bool],
    styles: &'a Styles,
    scale: f64,
) -> impl Iterator<Item = u32> + 'a {
    p.query(qb).filter(move |&fi| {
        let f = &p.features[fi as usize];
        wanted.get(f.layer as usize).copied().unwrap_or(false) && visible_at(styles, f, scale)
    })
}

/// Whether a feature is drawn at a scale (its rule's range; labels also
/// only up to the label scale).
fn visible_at(styles: &Styles, f: &index::MapFeature, scale: f64) -> bool {
    let rule = rule_of(styles, data_layer_type(styles, f), f);
    rule.in_scale(scale) && (f.label.is_none() || scale < styles.labels.max_scale)
}

pub(crate) fn data_layer_type<'a>(styles: &'a Styles, f: &index::MapFeature) -> &'a str {
    &styles.layers[f.layer as usize].feature_type
}

pub(crate) fn rule_of<'a>(
    styles: &'a Styles,
    feature_type: &str,
    f: &index::MapFeature,
) -> &'a style::Rule {
    match f.rule {
        Some(i) => &styles.rules_of(feature_type).expect("class has rules")[i as usize],
        None => styles.default_rule(f.kind),
    }
}

/// Features at a pixel, topmost first: those whose geometry contains the
/// point (areas) or lies within `radius` pixels (lines, points, labels).
pub fn features_at(
    data: &MapData,
    req: &MapRequest,
    i: u32,
    j: u32,
    radius: u32,
) -> Result<Vec<(Arc<PlanMap>, u32)>, RenderError> {
    let b = req.bbox;
    let kx = (b[2] - b[0]) / req.width as f64;
    let ky = (b[3] - b[1]) / req.height as f64;
    let x = b[0] + (i as f64 + 0.5) * kx;
    let y = b[3] - (j as f64 + 0.5) * ky;
    let r = radius as f64 * kx.max(ky);
    let mut probe = [[x, y]];
    if crate::crs::transform_xy(&mut probe, req.srid, data.storage_srid).is_err()
        || !probe[0].iter().all(|c| c.is_finite())
    {
        return Ok(vec![]); // a point outside the CRS's area: nothing there
    }
    let small = MapRequest {
        bbox: [x - r, y - r, x + r, y + r],
        ..req.clone()
    };
    let qb = storage_bbox(&small, data.storage_srid, 0.0).unwrap_or([x, y, x, y]);
    let tol = ((qb[2] - qb[0]) / 2.0).max(1e-9);
    let [px, py] = probe[0];
    let styles = data.styles();
    let (_, scale) = resolution(b, req.srid, req.width, req.height);
    let wanted = layer_mask(&req.layers, styles.layers.len());
    let mut hits: Vec<Hit> = vec![];
    for p in data.snapshot().iter() {
        if !req.filter.accepts(&p.info) {
            continue;
        }
        // the same selection as drawing: hidden objects are not hits
        for fi in drawn_features(p, qb, &wanted, &styles, scale) {
            let f = &p.features[fi as usize];
            let hit = match f.kind {
                style::GeomKind::Area if f.z != style::ZGroup::Boundary => {
                    point_in_area(&f.paths, px, py) || near_paths(&f.paths, px, py, tol)
                }
                _ => near_paths(&f.paths, px, py, tol),
            };
            if hit {
                hits.push(Hit {
                    z: f.z,
                    sort: p.sort_key.clone(),
                    seq: f.seq,
                    plan: p.clone(),
                    feature: fi,
                });
            }
        }
    }
    hits.sort_by(|a, b| (b.z, &b.sort, b.seq).cmp(&(a.z, &a.sort, a.seq)));
    Ok(hits.into_iter().map(|h| (h.plan, h.feature)).collect())
}

fn point_in_area(p: &crate::gml::wkb::Paths, x: f64, y: f64) -> bool {
    let mut inside = false;
    for ring in p.parts() {
        let n = ring.len();
        for k in 0..n {
            let (a, b) = (ring[k], ring[(k + 1) % n]);
            if (a[1] > y) != (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0] {
                inside = !inside;
            }
        }
    }
    inside
}

fn near_paths(p: &crate::gml::wkb::Paths, x: f64, y: f64, tol: f64) -> bool {
    let t2 = tol * tol;
    p.parts().any(|part| {
        if part.len() == 1 {
            let d = (part[0][0] - x).powi(2) + (part[0][1] - y).powi(2);
            return d <= t2;
        }
        part.windows(2).any(|w| {
            let (a, b) = (w[0], w[1]);
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let l2 = dx * dx + dy * dy;
            let t = if l2 > 0.0 {
                (((x - a[0]) * dx + (y - a[1]) * dy) / l2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (cx, cy) = (a[0] + t * dx, a[1] + t * dy);
            (cx - x).powi(2) + (cy - y).powi(2) <= t2
        })
    })
}
