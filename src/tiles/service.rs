//! Tiles served from the cache or drawn on demand (one metatile at a time,
//! one drawing per metatile however many requests wait for it), the cache
//! kept correct as plans change (the map data's change hook, and a
//! manifest of the plans the cache was drawn from, compared at start), and
//! seeding.

use super::cache::{TileCache, TileKey};
use super::grid::TileMatrixSet;
use super::raster::{render_metatile, MetaTile};
use crate::render::{MapData, PlanFilter, RenderError};
use crate::store::{Store, StoreError};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("tile cache: {0}")]
    Io(#[from] std::io::Error),
    #[error("the drawing task failed")]
    Task,
}

type FlightKey = (String, &'static str, u8, u32, u32);

/// Pixels added to the reach of the plans' drawing ([`Styles::reach_px`])
/// when telling whether a tile is near a plan: slack for comparing boxes in
/// the storage CRS rather than in the matrix set's.
///
/// [`Styles::reach_px`]: crate::render::Styles::reach_px
const NEAR_SLACK_PX: f64 = 64.0;

/// Tile drawing and caching for one server (or seeding run).
pub struct TileService {
    pub cache: TileCache,
    maps: Arc<MapData>,
    /// Tiles per metatile side.
    pub metatile: u32,
    /// Extra pixels drawn around a metatile.
    pub gutter: u32,
    inflight: Mutex<HashMap<FlightKey, Arc<tokio::sync::Mutex<()>>>>,
    empty: TileBytes,
    /// Recently served tiles in memory (bytes and ETag), bounded.
    hot: Mutex<Hot>,
}

/// A tile as served: its bytes (empty: nothing there) and ETag.
#[derive(Debug, Clone)]
pub struct TileBytes {
    pub data: bytes::Bytes,
    pub etag: Arc<str>,
}

impl TileBytes {
    pub fn new(data: Vec<u8>) -> TileBytes {
        use blake2::{Blake2s256, Digest};
        use std::fmt::Write;
        let h = Blake2s256::digest(&data);
        let mut tag = String::with_capacity(26);
        tag.push('"');
        for b in &h[..12] {
            let _ = write!(tag, "{b:02x}");
        }
        tag.push('"');
        TileBytes {
            data: data.into(),
            etag: tag.into(),
        }
    }
}

/// The in-memory tile cache: first in, first out, up to `max` bytes.
#[derive(Default)]
struct Hot {
    map: HashMap<String, TileBytes>,
    order: std::collections::VecDeque<String>,
    bytes: usize,
    max: usize,
}

impl Hot {
    fn put(&mut self, key: String, t: TileBytes) {
        let size = t.data.len() + key.len() + 64;
        if size > self.max / 8 {
            return;
        }
        if let Some(old) = self.map.insert(key.clone(), t) {
            self.bytes -= old.data.len() + key.len() + 64;
        } else {
            self.order.push_back(key);
        }
        self.bytes += size;
        while self.bytes > self.max {
            let Some(k) = self.order.pop_front() else {
                break;
            };
            if let Some(old) = self.map.remove(&k) {
                self.bytes -= old.data.len() + k.len() + 64;
            }
        }
    }

    fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
        self.bytes = 0;
    }
}

fn key<'a>(
    tileset: &'a str,
    tms: &TileMatrixSet,
    z: u8,
    x: u32,
    y: u32,
    ext: &'a str,
) -> TileKey<'a> {
    TileKey {
        tileset,
        tms: tms.id,
        z,
        x,
        y,
        ext,
    }
}

fn hot_key(k: &TileKey) -> String {
    format!("{}/{}/{}/{}/{}.{}", k.tileset, k.tms, k.z, k.x, k.y, k.ext)
}

/// Points along the edges of a box, for transforming it.
fn box_ring(b: [f64; 4]) -> Vec<[f64; 2]> {
    let mut pts = Vec::with_capacity(16);
    for i in 0..4 {
        let t = i as f64 / 4.0;
        let x = b[0] + (b[2] - b[0]) * t;
        let y = b[1] + (b[3] - b[1]) * t;
        pts.extend([
            [x, b[1]],
            [b[2], y],
            [b[2] - (x - b[0]), b[3]],
            [b[0], b[3] - (y - b[1])],
        ]);
    }
    pts
}

/// A box in another CRS (the box around its transformed edge points).
pub fn transform_box(b: [f64; 4], from: u32, to: u32) -> Option<[f64; 4]> {
    if from == to {
        return Some(b);
    }
    let mut pts = box_ring(b);
    crate::crs::transform_xy(&mut pts, from, to).ok()?;
    let mut out = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for [x, y] in pts {
        if !x.is_finite() || !y.is_finite() {
            return None;
        }
        out = [out[0].min(x), out[1].min(y), out[2].max(x), out[3].max(y)];
    }
    Some(out)
}

fn intersects(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// Whether a plan lies near enough to a tile to draw on it (the reach of
/// the styles at the tile's resolution plus [`NEAR_SLACK_PX`]; false for
/// a tile outside the matrix, true when the box cannot be transformed).
fn near_plans(maps: &MapData, tms: &TileMatrixSet, z: u8, x: u32, y: u32) -> bool {
    let (Some(b), Some(&res)) = (tms.tile_bbox(z, x, y), tms.resolutions.get(z as usize)) else {
        return false;
    };
    let m = (maps.styles().reach_px(res) + NEAR_SLACK_PX) * res;
    let grown = [b[0] - m, b[1] - m, b[2] + m, b[3] + m];
    let Some(sb) = transform_box(grown, tms.srid, maps.storage_srid) else {
        return true;
    };
    maps.snapshot()
        .iter()
        .any(|p| p.bbox.is_some_and(|pb| intersects(pb, sb)))
}

impl TileService {
    /// `memory_bytes`: size of the in-memory cache of recently served tiles.
    pub fn new(
        cache: TileCache,
        maps: Arc<MapData>,
        metatile: u32,
        gutter: u32,
        memory_bytes: usize,
    ) -> TileService {
        TileService {
            cache,
            maps,
            metatile: metatile.clamp(1, 16),
            gutter: gutter.min(256),
            inflight: Mutex::new(HashMap::new()),
            empty: TileBytes::new(super::raster::empty_png(256)),
            hot: Mutex::new(Hot {
                max: memory_bytes,
                ..Default::default()
            }),
        }
    }

    fn hot(&self) -> std::sync::MutexGuard<'_, Hot> {
        self.hot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers a served tile unless the plans changed since `generation`
    /// (checked under the lock the change hook clears the cache under).
    fn remember(&self, key: String, t: &TileBytes, generation: u64) {
        let mut hot = self.hot();
        if self.maps.generation() == generation {
            hot.put(key, t.clone());
        }
    }

    /// A tile from memory or the disk cache: Some(None) for one known to
    /// be empty, None when not cached.
    fn cached(&self, key: &TileKey<'_>) -> Option<TileBytes> {
        let hk = hot_key(key);
        if let Some(t) = self.hot().map.get(&hk) {
            return Some(t.clone());
        }
        if key.ext == "mvt" {
            // vector tiles are not stored on disk (see `mvt_gz`)
            return None;
        }
        let generation = self.maps.generation();
        // small files, mostly in the page cache: read in place
        let b = std::fs::read(self.cache.path(key)?).ok()?;
        let t = if b.is_empty() && key.ext == "png" {
            self.empty.clone()
        } else {
            TileBytes::new(b)
        };
        self.remember(hk, &t, generation);
        Some(t)
    }

    /// A PNG tile (the transparent one where nothing is drawn): from memory
    /// or the disk cache, else its metatile is drawn (once for all waiting
    /// requests), stored and cut.
    pub async fn png(
        &self,
        tileset: &str,
        layers: Arc<Vec<u32>>,
        tms: &TileMatrixSet,
        z: u8,
        x: u32,
        y: u32,
    ) -> Result<TileBytes, TileError> {
        let key = key(tileset, tms, z, x, y, "png");
        if let Some(t) = self.cached(&key) {
            return Ok(t);
        }
        // (not kept in memory: requests sweeping empty areas would push
        // out tiles with content, and telling is cheap)
        if !near_plans(&self.maps, tms, z, x, y) {
            return Ok(self.empty.clone());
        }
        let mt = MetaTile::containing(tms, z, x, y, self.metatile);
        let flight = (tileset.to_string(), tms.id, z, mt.x0, mt.y0);
        let lock = self
            .inflight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(flight.clone())
            .or_default()
            .clone();
        let result = async {
            let _g = lock.lock().await;
            // drawn by the request we waited for?
            if let Some(t) = self.cached(&key) {
                return Ok(t);
            }
            let generation = self.maps.generation();
            let tiles = self.draw(tileset, layers, tms, mt).await?;
            let t = match tiles
                .into_iter()
                .find(|((tx, ty), _)| (*tx, *ty) == (x, y))
                .and_then(|(_, png)| png)
            {
                Some(png) => TileBytes::new(png),
                None => self.empty.clone(),
            };
            self.remember(hot_key(&key), &t, generation);
            Ok(t)
        }
        .await;
        {
            let mut m = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
            if Arc::strong_count(&lock) <= 2 {
                m.remove(&flight);
            }
        }
        result
    }

    /// Draws a metatile on the rendering pool and stores its tiles (unless
    /// the plans changed meanwhile: then they are only served).
    async fn draw(
        &self,
        tileset: &str,
        layers: Arc<Vec<u32>>,
        tms: &TileMatrixSet,
        mt: MetaTile,
    ) -> Result<Vec<super::raster::Tile>, TileError> {
        let maps = self.maps.clone();
        let cache = self.cache.clone();
        let tms2 = tms.clone();
        let tileset = tileset.to_string();
        let gutter = self.gutter;
        crate::render::on_rayon(move || {
            draw_and_store(&maps, &cache, &tileset, &layers, &tms2, &mt, gutter)
        })
        .await
        .ok_or(TileError::Task)?
    }

    /// A vector tile, gzip-compressed (empty: nothing there), from the
    /// caches or built. Built tiles are kept in the memory cache only:
    /// building one takes about as much CPU as creating its file would
    /// (measured: ext4 inode allocation was a third of the server's time
    /// under the vector tile benchmark), so the disk cache holds raster
    /// tiles, whose drawing is the expensive part.
    pub async fn mvt_gz(
        &self,
        tileset: &str,
        layers: Arc<Vec<u32>>,
        tms: &TileMatrixSet,
        z: u8,
        x: u32,
        y: u32,
    ) -> Result<TileBytes, TileError> {
        let key = key(tileset, tms, z, x, y, "mvt");
        if let Some(t) = self.cached(&key) {
            return Ok(t);
        }
        let generation = self.maps.generation();
        let maps = self.maps.clone();
        let tms2 = tms.clone();
        let gz = crate::render::on_rayon(move || {
            let raw = super::vector::mvt_tile(&maps, &tms2, z, x, y, &layers)?;
            Ok::<_, TileError>(if raw.is_empty() { raw } else { gzip(&raw)? })
        })
        .await
        .ok_or(TileError::Task)??;
        let t = TileBytes::new(gz);
        self.remember(hot_key(&key), &t, generation);
        Ok(t)
    }

    /// Drops the cached tiles of all matrix sets over boxes in the storage
    /// CRS (the map data's change hook).
    pub fn invalidate_storage_boxes(&self, boxes: &[[f64; 4]]) -> usize {
        // changes are rare: the memory cache starts afresh
        self.hot().clear();
        let mut n = 0;
        let styles = self.maps.styles();
        for tms in TileMatrixSet::all() {
            for b in boxes {
                if let Some(tb) = transform_box(*b, self.maps.storage_srid, tms.srid) {
                    n += self.cache.invalidate(&tms, tb, &|res| styles.reach_px(res));
                }
            }
        }
        if n > 0 {
            tracing::debug!(tiles = n, "cached tiles dropped after a plan change");
        }
        n
    }

    /// Compares the plans with the manifest the cache was drawn from and
    /// drops the tiles of plans added, changed or deleted since (also by
    /// other processes while this one was not running); then writes the
    /// new manifest. Returns the number of tiles dropped.
    pub async fn reconcile(&self, store: &Store) -> Result<usize, TileError> {
        type Row = (
            i64,
            String,
            Option<f64>,
            Option<f64>,
            Option<f64>,
            Option<f64>,
        );
        let rows: Vec<Row> =
            sqlx::query_as(
                "SELECT id, xmin::text, ST_XMin(bbox), ST_YMin(bbox), ST_XMax(bbox), ST_YMax(bbox) FROM plans ORDER BY id",
            )
            .fetch_all(&store.pool)
            .await
            .map_err(StoreError::from)?;
        let current: HashMap<i64, (String, Option<[f64; 4]>)> = rows
            .into_iter()
            .map(|(id, stamp, a, b, c, d)| {
                let bbox = match (a, b, c, d) {
                    (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
                    _ => None,
                };
                (id, (stamp, bbox))
            })
            .collect();
        let manifest = self.cache.root().join("plans.tsv");
        let old = read_manifest(&manifest);
        let mut boxes = Vec::new();
        match &old {
            Some(old) => {
                for (id, (stamp, bbox)) in old {
                    if current.get(id).is_none_or(|(s, _)| s != stamp) {
                        boxes.extend(*bbox);
                    }
                }
                for (id, (stamp, bbox)) in &current {
                    if old.get(id).is_none_or(|(s, _)| s != stamp) {
                        boxes.extend(*bbox);
                    }
                }
            }
            None => {
                // tiles of unknown origin: start afresh
                if self.cache.root().exists() {
                    self.cache.purge(None, None)?;
                }
            }
        }
        let n = self.invalidate_storage_boxes(&boxes);
        write_manifest(&manifest, &current)?;
        Ok(n)
    }

    /// Seeds tiles: every metatile at the zoom levels that meets one of
    /// `areas` (boxes in the matrix set's CRS), drawn in parallel on the
    /// rayon pool; metatiles whose tiles are all cached are skipped (a run
    /// can be resumed). `progress` is told about each metatile done.
    #[allow(clippy::too_many_arguments)]
    pub fn seed(
        &self,
        tileset: &str,
        layers: &[u32],
        tms: &TileMatrixSet,
        zooms: std::ops::RangeInclusive<u8>,
        areas: &[[f64; 4]],
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<SeedStats, TileError> {
        use rayon::prelude::*;
        use std::sync::atomic::{AtomicU64, Ordering};
        let metas = self.metatiles(tms, zooms, areas);
        let total = metas.len() as u64;
        let (done, tiles, skipped, drawn) = (
            AtomicU64::new(0),
            AtomicU64::new(0),
            AtomicU64::new(0),
            AtomicU64::new(0),
        );
        metas.par_iter().try_for_each(|mt| {
            let all_cached = mt.tiles().all(|(x, y)| {
                self.cache.contains(&key(tileset, tms, mt.z, x, y, "png"))
                    || !near_plans(&self.maps, tms, mt.z, x, y)
            });
            if all_cached {
                skipped.fetch_add(1, Ordering::Relaxed);
            } else {
                let t = draw_and_store(
                    &self.maps,
                    &self.cache,
                    tileset,
                    layers,
                    tms,
                    mt,
                    self.gutter,
                )?;
                tiles.fetch_add(
                    t.iter().filter(|(_, p)| p.is_some()).count() as u64,
                    Ordering::Relaxed,
                );
                drawn.fetch_add(t.len() as u64, Ordering::Relaxed);
            }
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            Ok::<_, TileError>(())
        })?;
        Ok(SeedStats {
            metatiles: total,
            skipped: skipped.into_inner(),
            tiles: tiles.into_inner(),
            drawn: drawn.into_inner(),
        })
    }

    /// The metatiles at the zoom levels meeting the areas, without repeats.
    pub fn metatiles(
        &self,
        tms: &TileMatrixSet,
        zooms: std::ops::RangeInclusive<u8>,
        areas: &[[f64; 4]],
    ) -> Vec<MetaTile> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for z in zooms {
            for a in areas {
                let Some((x0, y0, x1, y1)) = tms.tile_range(z, *a) else {
                    continue;
                };
                let n = self.metatile;
                let mut my = y0 - y0 % n;
                while my <= y1 {
                    let mut mx = x0 - x0 % n;
                    while mx <= x1 {
                        let mt = MetaTile::containing(tms, z, mx, my, n);
                        if seen.insert((z, mt.x0, mt.y0)) {
                            out.push(mt);
                        }
                        mx += n;
                    }
                    my += n;
                }
            }
        }
        out
    }
}

/// What a seeding run did.
#[derive(Debug, Clone, Copy, Default)]
pub struct SeedStats {
    pub metatiles: u64,
    pub skipped: u64,
    /// Tiles with content written.
    pub tiles: u64,
    /// Tiles drawn (with content or empty).
    pub drawn: u64,
}

fn draw_and_store(
    maps: &MapData,
    cache: &TileCache,
    tileset: &str,
    layers: &[u32],
    tms: &TileMatrixSet,
    mt: &MetaTile,
    gutter: u32,
) -> Result<Vec<super::raster::Tile>, TileError> {
    // read before drawing: a change after this makes the tiles stale
    let generation = maps.generation();
    let tiles = render_metatile(maps, tms, mt, layers, &PlanFilter::All, gutter)?;
    if maps.generation() == generation {
        let tile_key = |x, y| key(tileset, tms, mt.z, x, y, "png");
        let mut written = Vec::with_capacity(tiles.len());
        for ((x, y), png) in &tiles {
            // far from every plan: empty whether cached or not
            if png.is_none() && !near_plans(maps, tms, mt.z, *x, *y) {
                continue;
            }
            // an empty file: a tile known to have nothing on it
            cache.put(&tile_key(*x, *y), png.as_deref().unwrap_or_default())?;
            written.push((*x, *y));
        }
        // a plan changed while they were written: its change hook may have
        // dropped the area's tiles before these were stored
        if maps.generation() != generation {
            for (x, y) in written {
                if let Some(p) = cache.path(&tile_key(x, y)) {
                    let _ = std::fs::remove_file(p);
                }
            }
        }
    }
    Ok(tiles)
}

type Manifest = HashMap<i64, (String, Option<[f64; 4]>)>;

fn read_manifest(path: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut m = HashMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 6 {
            continue;
        }
        let Ok(id) = f[0].parse() else { continue };
        let nums: Vec<f64> = f[2..].iter().filter_map(|v| v.parse().ok()).collect();
        let bbox = (nums.len() == 4).then(|| [nums[0], nums[1], nums[2], nums[3]]);
        m.insert(id, (f[1].to_string(), bbox));
    }
    Some(m)
}

fn write_manifest(path: &Path, m: &Manifest) -> std::io::Result<()> {
    let mut ids: Vec<&i64> = m.keys().collect();
    ids.sort();
    let mut s = String::new();
    for id in ids {
        let (stamp, b) = &m[id];
        let b = b
            .map(|b| format!("{}\t{}\t{}\t{}", b[0], b[1], b[2], b[3]))
            .unwrap_or_else(|| "-\t-\t-\t-".into());
        s.push_str(&format!("{id}\t{stamp}\t{b}\n"));
    }
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let tmp = path.with_extension("tsv.tmp");
    std::fs::write(&tmp, s)?;
    std::fs::rename(tmp, path)
}

/// Gzip of a vector tile (as browsers accept it).
pub fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::fast(),
    );
    e.write_all(data)?;
    e.finish()
}

/// The inverse of [`gzip`], for clients that do not accept gzip.
pub fn gunzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::with_capacity(data.len() * 3);
    flate2::read::GzDecoder::new(data).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_cache_stays_within_its_size() {
        let mut h = Hot {
            max: 10_000,
            ..Default::default()
        };
        for i in 0..100 {
            h.put(format!("t/{i}"), TileBytes::new(vec![7; 900]));
            assert!(h.bytes <= h.max);
        }
        // first in, first out: the newest are kept
        assert!(h.map.contains_key("t/99") && !h.map.contains_key("t/0"));
        assert_eq!(h.map.len(), h.order.len());
        // a tile bigger than an eighth of the cache is not kept
        h.put("big".into(), TileBytes::new(vec![0; 2000]));
        assert!(!h.map.contains_key("big"));
        // replacing an entry keeps the count right
        let before = h.bytes;
        h.put("t/99".into(), TileBytes::new(vec![1; 900]));
        assert_eq!(h.bytes, before);
        h.clear();
        assert_eq!((h.bytes, h.map.len()), (0, 0));
        // ETags differ with the content
        assert_ne!(TileBytes::new(vec![1]).etag, TileBytes::new(vec![2]).etag);
    }
}
