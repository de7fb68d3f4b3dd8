//! Mapbox Vector Tile 2.1 encoding
//! (<https://github.com/mapbox/vector-tile-spec/tree/master/2.1>):
//! geometries from [`Paths`] in the tile matrix set's CRS are clipped to the
//! buffered tile, moved to tile coordinates (0..extent, y down), simplified
//! (Douglas–Peucker), snapped to integers and written as command streams;
//! [`encode_tile`] writes the protobuf of layers of such features (keys and
//! values deduplicated per layer). No protobuf library: the few message
//! types are written by hand.
//!
//! Areas arrive as rings of all polygons together, filled even-odd, with no
//! reliable ring direction. They are rebuilt into polygons by nesting: a
//! ring whose smallest containing ring is an exterior is a hole of it,
//! every other ring an exterior; exteriors are written clockwise and holes
//! counter-clockwise in tile coordinates (positive / negative area by the
//! surveyor's formula with y down, MVT 2.1 §4.3.4.4), each polygon's
//! exterior followed by its holes.

use crate::gml::wkb::Paths;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// The usual extent of a tile, in tile units.
pub const DEFAULT_EXTENT: u32 = 4096;

/// Coordinates farther than this (in tile units) from the tile are pulled
/// in to it before clipping, so that absurd inputs (1e300) cannot overflow
/// the clipping arithmetic. 1e12 tile units are 2.4e8 tiles.
const COORD_LIMIT: f64 = 1e12;

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;
/// Largest command count (29 bits).
const MAX_COUNT: usize = (1 << 29) - 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomType {
    Unknown = 0,
    Point = 1,
    LineString = 2,
    Polygon = 3,
}

/// A feature attribute value. Integers are written as `uint_value` when
/// not negative, else as `sint_value`. Strings are borrowed from the map
/// data where they can be (no allocation per feature and attribute).
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    String(Cow<'a, str>),
    Int(i64),
    Double(f64),
    Bool(bool),
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::String(Cow::Borrowed(v))
    }
}

impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::String(Cow::Owned(v))
    }
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<i32> for Value<'_> {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}

impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::Double(v)
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Feature<'a> {
    pub id: Option<u64>,
    /// Encoded commands, as from [`encode_geometry`].
    pub geometry: Vec<u32>,
    pub geom_type: GeomType,
    /// Attributes; a key repeated within one feature is written once (the
    /// first value wins), as the spec wants unique key indices.
    pub properties: Vec<(&'a str, Value<'a>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layer<'a> {
    pub name: String,
    /// Tile units per tile side, usually [`DEFAULT_EXTENT`].
    pub extent: u32,
    pub features: Vec<Feature<'a>>,
}

impl Layer<'_> {
    pub fn new(name: impl Into<String>) -> Self {
        Layer {
            name: name.into(),
            extent: DEFAULT_EXTENT,
            features: Vec::new(),
        }
    }
}

type Pt = [f64; 2];
type IPt = [i64; 2];

/// Clips `paths` to the tile `bbox` (minx, miny, maxx, maxy in the paths'
/// CRS) grown by `buffer` tile units, transforms to tile coordinates
/// (0..extent, y down), simplifies with tolerance `tolerance` tile units
/// (Douglas–Peucker; rings stay closed and keep at least a triangle;
/// `tolerance <= 0` only drops repeated and collinear vertices), snaps to
/// integers, drops parts that became degenerate and encodes the commands.
///
/// Points are kept when inside the buffered box (repeats dropped), lines
/// are clipped into as many parts as they have inside, areas are clipped
/// ring by ring (Sutherland–Hodgman, fine for even-odd rings) and rebuilt
/// into polygons by nesting (see the module documentation).
///
/// Vertices with NaN or infinite coordinates are skipped. Returns None when
/// nothing is left, or when `bbox` or `extent` is unusable.
pub fn encode_geometry(
    paths: &Paths,
    bbox: [f64; 4],
    extent: u32,
    buffer: u32,
    tolerance: f64,
) -> Option<(GeomType, Vec<u32>)> {
    let tx = Transform::new(bbox, extent)?;
    let lo = -f64::from(buffer);
    let hi = f64::from(extent) + f64::from(buffer);
    let tol = if tolerance > 0.0 && tolerance.is_finite() {
        tolerance
    } else {
        0.0
    };
    let (ty, cmds) = match paths.dim {
        0 => (GeomType::Point, encode_points(paths, &tx, lo, hi)),
        1 => (GeomType::LineString, encode_lines(paths, &tx, lo, hi, tol)),
        _ => (GeomType::Polygon, encode_areas(paths, &tx, lo, hi, tol)),
    };
    (!cmds.is_empty()).then_some((ty, cmds))
}

/// CRS → tile coordinates.
struct Transform {
    minx: f64,
    maxy: f64,
    sx: f64,
    sy: f64,
}

impl Transform {
    fn new(bbox: [f64; 4], extent: u32) -> Option<Self> {
        let [minx, miny, maxx, maxy] = bbox;
        let e = f64::from(extent);
        let sx = e / (maxx - minx);
        let sy = e / (maxy - miny);
        let ok = extent > 0
            && bbox.iter().all(|v| v.is_finite())
            && maxx > minx
            && maxy > miny
            && sx.is_finite()
            && sy.is_finite()
            && sx > 0.0
            && sy > 0.0;
        ok.then_some(Transform { minx, maxy, sx, sy })
    }

    fn apply(&self, c: Pt) -> Option<Pt> {
        if !c[0].is_finite() || !c[1].is_finite() {
            return None;
        }
        let x = ((c[0] - self.minx) * self.sx).clamp(-COORD_LIMIT, COORD_LIMIT);
        let y = ((self.maxy - c[1]) * self.sy).clamp(-COORD_LIMIT, COORD_LIMIT);
        (x.is_finite() && y.is_finite()).then_some([x, y])
    }
}

/// The parts of `paths`, tolerating `ends` that run past the coordinates
/// or go backwards (such parts are empty).
fn parts(paths: &Paths) -> impl Iterator<Item = &[Pt]> {
    let n = paths.coords.len();
    let mut start = 0usize;
    paths.ends.iter().map(move |&e| {
        let e = (e as usize).min(n);
        let part = if e > start {
            &paths.coords[start..e]
        } else {
            &[][..]
        };
        start = start.max(e);
        part
    })
}

fn snap(p: Pt) -> IPt {
    // `as` saturates; coordinates are within the buffered tile here
    [p[0].round() as i64, p[1].round() as i64]
}

fn inside(p: Pt, lo: f64, hi: f64) -> bool {
    p[0] >= lo && p[0] <= hi && p[1] >= lo && p[1] <= hi
}

// ---------------------------------------------------------------- commands

fn command(id: u32, count: usize) -> u32 {
    (id & 0x7) | ((count as u32) << 3)
}

fn zigzag(v: i64) -> u32 {
    ((v << 1) ^ (v >> 63)) as u32
}

struct Commands {
    out: Vec<u32>,
    cursor: IPt,
}

impl Commands {
    fn new() -> Self {
        Commands {
            out: Vec::new(),
            cursor: [0, 0],
        }
    }

    fn params(&mut self, p: IPt) {
        self.out.push(zigzag(p[0] - self.cursor[0]));
        self.out.push(zigzag(p[1] - self.cursor[1]));
        self.cursor = p;
    }

    /// MoveTo the first point, LineTo the others (at least one).
    fn path(&mut self, pts: &[IPt]) {
        self.out.push(command(MOVE_TO, 1));
        self.params(pts[0]);
        self.out.push(command(LINE_TO, pts.len() - 1));
        for &p in &pts[1..] {
            self.params(p);
        }
    }

    fn ring(&mut self, pts: &[IPt]) {
        self.path(pts);
        self.out.push(command(CLOSE_PATH, 1));
    }
}

// ------------------------------------------------------------------ points

fn encode_points(paths: &Paths, tx: &Transform, lo: f64, hi: f64) -> Vec<u32> {
    let mut seen = HashSet::new();
    let mut pts = Vec::new();
    for c in parts(paths).flatten() {
        if let Some(p) = tx.apply(*c) {
            if inside(p, lo, hi) && pts.len() < MAX_COUNT {
                let q = snap(p);
                if seen.insert(q) {
                    pts.push(q);
                }
            }
        }
    }
    let mut cmd = Commands::new();
    if !pts.is_empty() {
        cmd.out.push(command(MOVE_TO, pts.len()));
        for p in pts {
            cmd.params(p);
        }
    }
    cmd.out
}

// ------------------------------------------------------------------- lines

fn encode_lines(paths: &Paths, tx: &Transform, lo: f64, hi: f64, tol: f64) -> Vec<u32> {
    let mut cmd = Commands::new();
    let mut clipped = Vec::new();
    for part in parts(paths) {
        let pts: Vec<Pt> = part.iter().filter_map(|c| tx.apply(*c)).collect();
        clipped.clear();
        clip_line(&pts, lo, hi, &mut clipped);
        for piece in &clipped {
            let simple = simplify_open(piece, tol);
            let mut ints: Vec<IPt> = Vec::with_capacity(simple.len());
            for p in simple {
                let q = snap(p);
                if ints.last() != Some(&q) {
                    ints.push(q);
                }
            }
            if ints.len() >= 2 && ints.len() <= MAX_COUNT {
                cmd.path(&ints);
            }
        }
    }
    cmd.out
}

/// Liang–Barsky: the part of segment a–b inside [lo, hi]², None when it
/// misses. Unclipped ends are returned exactly as given, so that pieces of
/// consecutive segments join by equality.
fn clip_segment(a: Pt, b: Pt, lo: f64, hi: f64) -> Option<(Pt, Pt)> {
    let d = [b[0] - a[0], b[1] - a[1]];
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for axis in 0..2 {
        for (p, q) in [(-d[axis], a[axis] - lo), (d[axis], hi - a[axis])] {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    if r > t1 {
                        return None;
                    }
                    t0 = t0.max(r);
                } else {
                    if r < t0 {
                        return None;
                    }
                    t1 = t1.min(r);
                }
            }
        }
    }
    let at = |t: f64| {
        [
            (a[0] + t * d[0]).clamp(lo, hi),
            (a[1] + t * d[1]).clamp(lo, hi),
        ]
    };
    let pa = if t0 == 0.0 { a } else { at(t0) };
    let pb = if t1 == 1.0 { b } else { at(t1) };
    Some((pa, pb))
}

/// Clips a polyline into the pieces that lie inside [lo, hi]².
fn clip_line(pts: &[Pt], lo: f64, hi: f64, out: &mut Vec<Vec<Pt>>) {
    let mut cur: Vec<Pt> = Vec::new();
    for w in pts.windows(2) {
        match clip_segment(w[0], w[1], lo, hi) {
            Some((p, q)) => {
                if cur.last() != Some(&p) {
                    if cur.len() >= 2 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(p);
                }
                cur.push(q);
            }
            None => {
                if cur.len() >= 2 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() >= 2 {
        out.push(cur);
    }
}

// ---------------------------------------------------------- simplification

/// Squared distance of p from segment a–b.
fn seg_dist2(p: Pt, a: Pt, b: Pt) -> f64 {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let dx = p[0] - (a[0] + t * d[0]);
    let dy = p[1] - (a[1] + t * d[1]);
    dx * dx + dy * dy
}

/// Douglas–Peucker over `pts` (iterative): marks the vertices to keep.
/// The ends are always kept; when they coincide (a closed ring), distances
/// are measured from that point.
fn douglas_peucker(pts: &[Pt], tol: f64, keep: &mut [bool]) {
    let n = pts.len();
    if n == 0 {
        return;
    }
    keep[0] = true;
    keep[n - 1] = true;
    let tol2 = tol * tol;
    let mut stack = vec![(0usize, n - 1)];
    while let Some((i, j)) = stack.pop() {
        if j <= i + 1 {
            continue;
        }
        let (mut best, mut at) = (-1.0f64, i + 1);
        for (k, &p) in pts.iter().enumerate().take(j).skip(i + 1) {
            let d = seg_dist2(p, pts[i], pts[j]);
            if d > best {
                best = d;
                at = k;
            }
        }
        if best > tol2 {
            keep[at] = true;
            stack.push((i, at));
            stack.push((at, j));
        }
    }
}

fn simplify_open(pts: &[Pt], tol: f64) -> Vec<Pt> {
    if tol <= 0.0 || pts.len() < 3 {
        return pts.to_vec();
    }
    let mut keep = vec![false; pts.len()];
    douglas_peucker(pts, tol, &mut keep);
    pts.iter()
        .zip(&keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

/// Simplifies a ring given without its closing vertex; keeps at least a
/// triangle (the start, the vertex farthest from it and the vertex
/// farthest from the line between those two) when the ring has one.
fn simplify_ring(ring: &[Pt], tol: f64) -> Vec<Pt> {
    let n = ring.len();
    if tol <= 0.0 || n <= 3 {
        return ring.to_vec();
    }
    let mut closed = Vec::with_capacity(n + 1);
    closed.extend_from_slice(ring);
    closed.push(ring[0]);
    let mut keep = vec![false; n + 1];
    douglas_peucker(&closed, tol, &mut keep);
    keep.truncate(n);
    if keep.iter().filter(|k| **k).count() < 3 {
        let d0 = |p: &Pt| (p[0] - ring[0][0]).powi(2) + (p[1] - ring[0][1]).powi(2);
        let far = (1..n)
            .max_by(|&a, &b| d0(&ring[a]).total_cmp(&d0(&ring[b])))
            .unwrap_or(1);
        let third = (1..n)
            .filter(|&k| k != far)
            .max_by(|&a, &b| {
                seg_dist2(ring[a], ring[0], ring[far])
                    .total_cmp(&seg_dist2(ring[b], ring[0], ring[far]))
            })
            .unwrap_or(0);
        keep[far] = true;
        keep[third] = true;
    }
    ring.iter()
        .zip(&keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

// ------------------------------------------------------------------- areas

/// Sutherland–Hodgman against [lo, hi]², one side after the other.
fn clip_ring(ring: Vec<Pt>, lo: f64, hi: f64) -> Vec<Pt> {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in &ring {
        b = [
            b[0].min(p[0]),
            b[1].min(p[1]),
            b[2].max(p[0]),
            b[3].max(p[1]),
        ];
    }
    if b[0] >= lo && b[1] >= lo && b[2] <= hi && b[3] <= hi {
        return ring;
    }
    if b[2] < lo || b[3] < lo || b[0] > hi || b[1] > hi {
        return Vec::new();
    }
    let mut out = ring;
    for (axis, bound, keep_above) in [(0, lo, true), (0, hi, false), (1, lo, true), (1, hi, false)]
    {
        let input = std::mem::take(&mut out);
        let Some(&last) = input.last() else {
            break;
        };
        let is_in = |p: &Pt| {
            if keep_above {
                p[axis] >= bound
            } else {
                p[axis] <= bound
            }
        };
        let cut = |a: Pt, b: Pt| {
            let t = (bound - a[axis]) / (b[axis] - a[axis]);
            let mut p = [0.0; 2];
            p[axis] = bound;
            p[1 - axis] = (a[1 - axis] + t * (b[1 - axis] - a[1 - axis])).clamp(lo, hi);
            p
        };
        let mut prev = last;
        for &cur in &input {
            match (is_in(&prev), is_in(&cur)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cut(prev, cur)),
                (false, true) => {
                    out.push(cut(prev, cur));
                    out.push(cur);
                }
                (false, false) => {}
            }
            prev = cur;
        }
    }
    out
}

fn cross(o: IPt, a: IPt, b: IPt) -> i128 {
    (i128::from(a[0]) - i128::from(o[0])) * (i128::from(b[1]) - i128::from(o[1]))
        - (i128::from(a[1]) - i128::from(o[1])) * (i128::from(b[0]) - i128::from(o[0]))
}

/// Drops repeated vertices, the closing vertex and every vertex on the
/// line through its neighbours (collinear runs and zero-width spikes, which
/// do not change the filled area), also across the start of the ring.
fn clean_ring(pts: impl IntoIterator<Item = IPt>) -> Vec<IPt> {
    let mut out: Vec<IPt> = Vec::new();
    for p in pts {
        loop {
            if out.last() == Some(&p) {
                break;
            }
            let n = out.len();
            if n >= 2 && cross(out[n - 2], out[n - 1], p) == 0 {
                out.pop();
                continue;
            }
            out.push(p);
            break;
        }
    }
    let mut start = 0;
    loop {
        let n = out.len();
        if n - start < 3 {
            return Vec::new();
        }
        if out[n - 1] == out[start] || cross(out[n - 2], out[n - 1], out[start]) == 0 {
            out.pop();
        } else if cross(out[n - 1], out[start], out[start + 1]) == 0 {
            start += 1;
        } else {
            break;
        }
    }
    out.drain(..start);
    out
}

/// Twice the surveyor's area (positive for clockwise rings in tile
/// coordinates, y down).
fn area2(pts: &[IPt]) -> i128 {
    let n = pts.len();
    (0..n)
        .map(|i| {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            i128::from(a[0]) * i128::from(b[1]) - i128::from(b[0]) * i128::from(a[1])
        })
        .sum()
}

struct Ring {
    pts: Vec<IPt>,
    area2: i128,
    bbox: [i64; 4],
}

impl Ring {
    fn new(pts: Vec<IPt>) -> Option<Ring> {
        let area2 = area2(&pts);
        if pts.len() < 3 || area2 == 0 {
            return None;
        }
        let mut bbox = [i64::MAX, i64::MAX, i64::MIN, i64::MIN];
        for p in &pts {
            bbox = [
                bbox[0].min(p[0]),
                bbox[1].min(p[1]),
                bbox[2].max(p[0]),
                bbox[3].max(p[1]),
            ];
        }
        Some(Ring { pts, area2, bbox })
    }

    fn contains_box(&self, b: &[i64; 4]) -> bool {
        self.bbox[0] <= b[0] && self.bbox[1] <= b[1] && self.bbox[2] >= b[2] && self.bbox[3] >= b[3]
    }

    /// Even-odd point in ring.
    fn contains(&self, p: Pt) -> bool {
        let mut inside = false;
        let n = self.pts.len();
        let mut j = n - 1;
        for i in 0..n {
            let (a, b) = (self.pts[i], self.pts[j]);
            let (ay, by) = (a[1] as f64, b[1] as f64);
            if (ay > p[1]) != (by > p[1]) {
                let x = a[0] as f64 + (p[1] - ay) * (b[0] as f64 - a[0] as f64) / (by - ay);
                if p[0] < x {
                    inside = !inside;
                }
            }
            j = i;
        }
        inside
    }

    /// A point strictly inside the ring: the middle of the widest inside
    /// stretch of a scanline between two vertex heights.
    fn interior_point(&self) -> Option<Pt> {
        let mut ys: Vec<i64> = self.pts.iter().map(|p| p[1]).collect();
        ys.sort_unstable();
        ys.dedup();
        if ys.len() < 2 {
            return None;
        }
        let mid = (ys.len() - 2) / 2;
        // scanlines from the middle outwards, a few at most
        let tries = (0..ys.len() - 1)
            .map(|k| {
                if k % 2 == 0 {
                    mid + k / 2
                } else {
                    mid.wrapping_sub(k / 2 + 1)
                }
            })
            .filter(|&k| k + 1 < ys.len())
            .take(16);
        let mut xs = Vec::new();
        for k in tries {
            let y = (ys[k] as f64 + ys[k + 1] as f64) / 2.0;
            xs.clear();
            let n = self.pts.len();
            for i in 0..n {
                let (a, b) = (self.pts[i], self.pts[(i + 1) % n]);
                let (ay, by) = (a[1] as f64, b[1] as f64);
                if (ay > y) != (by > y) {
                    xs.push(a[0] as f64 + (y - ay) * (b[0] as f64 - a[0] as f64) / (by - ay));
                }
            }
            xs.sort_by(f64::total_cmp);
            let best = xs
                .chunks_exact(2)
                .map(|w| (w[1] - w[0], (w[0] + w[1]) / 2.0))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((width, x)) = best {
                if width > 0.0 {
                    return Some([x, y]);
                }
            }
        }
        None
    }
}

fn encode_areas(paths: &Paths, tx: &Transform, lo: f64, hi: f64, tol: f64) -> Vec<u32> {
    let mut rings = Vec::new();
    for part in parts(paths) {
        let mut pts: Vec<Pt> = part.iter().filter_map(|c| tx.apply(*c)).collect();
        if pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        if pts.len() < 3 {
            continue;
        }
        let clipped = clip_ring(pts, lo, hi);
        if clipped.len() < 3 {
            continue;
        }
        let simple = simplify_ring(&clipped, tol);
        if let Some(r) = Ring::new(clean_ring(simple.into_iter().map(snap))) {
            if r.pts.len() <= MAX_COUNT {
                rings.push(r);
            }
        }
    }
    let mut cmd = Commands::new();
    for (outer, holes) in nest(&rings) {
        cmd.ring(&oriented(&rings[outer].pts, rings[outer].area2 > 0));
        for h in holes {
            cmd.ring(&oriented(&rings[h].pts, rings[h].area2 < 0));
        }
    }
    cmd.out
}

/// The ring as is when `keep`, else reversed with the same first vertex.
fn oriented(pts: &[IPt], keep: bool) -> Vec<IPt> {
    let mut v = pts.to_vec();
    if !keep {
        v[1..].reverse();
    }
    v
}

/// Polygons (exterior ring, holes) from rings by nesting, in the order of
/// the exteriors in the input. A ring's parent is the smallest ring that
/// contains it; it is a hole when that parent is an exterior, else an
/// exterior itself (for nested valid input this is the even-odd parity of
/// the number of containing rings). A hole covering exactly its exterior's
/// area cancels it: both are dropped.
fn nest(rings: &[Ring]) -> Vec<(usize, Vec<usize>)> {
    let n = rings.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(rings[i].area2.unsigned_abs()));
    let mut hole_of: Vec<Option<usize>> = vec![None; n];
    let mut dropped = vec![false; n];
    for (pos, &i) in order.iter().enumerate() {
        let Some(p) = rings[i].interior_point() else {
            continue;
        };
        let parent = order[..pos]
            .iter()
            .rev()
            .copied()
            .find(|&j| rings[j].contains_box(&rings[i].bbox) && rings[j].contains(p));
        if let Some(j) = parent {
            if hole_of[j].is_none() && !dropped[j] {
                if rings[j].area2.unsigned_abs() == rings[i].area2.unsigned_abs() {
                    dropped[i] = true;
                    dropped[j] = true;
                } else {
                    hole_of[i] = Some(j);
                }
            }
        }
    }
    let mut holes: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, parent) in hole_of.iter().enumerate() {
        if let Some(j) = *parent {
            holes[j].push(i);
        }
    }
    (0..n)
        .filter(|&i| hole_of[i].is_none() && !dropped[i])
        .map(|i| (i, std::mem::take(&mut holes[i])))
        .collect()
}

// ---------------------------------------------------------------- protobuf

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, u64::from((field << 3) | wire));
}

fn bytes_field(out: &mut Vec<u8>, field: u32, data: &[u8]) {
    key(out, field, 2);
    varint(out, data.len() as u64);
    out.extend_from_slice(data);
}

fn packed_field(out: &mut Vec<u8>, field: u32, vals: &[u32], buf: &mut Vec<u8>) {
    buf.clear();
    for &v in vals {
        varint(buf, u64::from(v));
    }
    bytes_field(out, field, buf);
}

#[derive(PartialEq, Eq, Hash)]
enum ValueKey<'a> {
    S(&'a str),
    I(i64),
    D(u64),
    B(bool),
}

fn value_key<'a>(v: &'a Value<'_>) -> ValueKey<'a> {
    match v {
        Value::String(s) => ValueKey::S(s),
        Value::Int(i) => ValueKey::I(*i),
        Value::Double(d) => ValueKey::D(d.to_bits()),
        Value::Bool(b) => ValueKey::B(*b),
    }
}

fn write_value(out: &mut Vec<u8>, v: &Value<'_>) {
    match v {
        Value::String(s) => bytes_field(out, 1, s.as_bytes()),
        Value::Double(d) => {
            key(out, 3, 1);
            out.extend_from_slice(&d.to_le_bytes());
        }
        Value::Int(i) if *i >= 0 => {
            key(out, 5, 0);
            varint(out, *i as u64);
        }
        Value::Int(i) => {
            key(out, 6, 0);
            varint(out, ((*i << 1) ^ (*i >> 63)) as u64);
        }
        Value::Bool(b) => {
            key(out, 7, 0);
            varint(out, u64::from(*b));
        }
    }
}

/// The layer's protobuf, None when it has no feature with geometry.
fn write_layer(layer: &Layer<'_>) -> Option<Vec<u8>> {
    let mut keys: Vec<&str> = Vec::new();
    let mut key_ix: HashMap<&str, u32> = HashMap::new();
    let mut values: Vec<&Value<'_>> = Vec::new();
    let mut value_ix: HashMap<ValueKey, u32> = HashMap::new();
    let mut features = Vec::new();
    let (mut f, mut tags, mut buf, mut used) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for feat in &layer.features {
        if feat.geometry.is_empty() {
            continue;
        }
        tags.clear();
        used.clear();
        for (k, v) in &feat.properties {
            let ki = *key_ix.entry(k).or_insert_with(|| {
                keys.push(k);
                keys.len() as u32 - 1
            });
            if used.contains(&ki) {
                continue;
            }
            used.push(ki);
            let vi = *value_ix.entry(value_key(v)).or_insert_with(|| {
                values.push(v);
                values.len() as u32 - 1
            });
            tags.push(ki);
            tags.push(vi);
        }
        f.clear();
        if let Some(id) = feat.id {
            key(&mut f, 1, 0);
            varint(&mut f, id);
        }
        if !tags.is_empty() {
            packed_field(&mut f, 2, &tags, &mut buf);
        }
        key(&mut f, 3, 0);
        varint(&mut f, feat.geom_type as u64);
        packed_field(&mut f, 4, &feat.geometry, &mut buf);
        bytes_field(&mut features, 2, &f);
    }
    if features.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(features.len() + 64);
    bytes_field(&mut out, 1, layer.name.as_bytes());
    out.extend_from_slice(&features);
    for k in keys {
        bytes_field(&mut out, 3, k.as_bytes());
    }
    for v in values {
        buf.clear();
        write_value(&mut buf, v);
        bytes_field(&mut out, 4, &buf);
    }
    key(&mut out, 5, 0);
    varint(&mut out, u64::from(layer.extent));
    key(&mut out, 15, 0);
    varint(&mut out, 2);
    Some(out)
}

/// The protobuf of a tile (`Tile { repeated Layer layers = 3; }`): each
/// layer with version 2, name, features, keys and values (deduplicated per
/// layer, in order of first use) and extent. Features without geometry
/// and layers without features are left out (an empty tile is zero bytes).
pub fn encode_tile(layers: &[Layer<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for layer in layers {
        if let Some(l) = write_layer(layer) {
            bytes_field(&mut out, 3, &l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TILE: [f64; 4] = [0.0, 0.0, 4096.0, 4096.0];

    /// Paths from tile coordinates (y down) for a tile bbox equal to TILE
    /// (CRS y = 4096 - tile y).
    fn paths(dim: u8, parts: &[&[[f64; 2]]]) -> Paths {
        let mut p = Paths {
            dim,
            ..Paths::default()
        };
        for part in parts {
            p.coords.extend(part.iter().map(|c| [c[0], 4096.0 - c[1]]));
            p.ends.push(p.coords.len() as u32);
        }
        p
    }

    fn enc(p: &Paths, buffer: u32, tol: f64) -> Option<(GeomType, Vec<u32>)> {
        encode_geometry(p, TILE, 4096, buffer, tol)
    }

    // ------------------------------------------------ a small MVT decoder

    #[derive(Debug)]
    enum Field<'a> {
        Varint(u64),
        Fixed64(u64),
        Fixed32(u32),
        Bytes(&'a [u8]),
    }

    fn read_varint(b: &[u8], pos: &mut usize) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let byte = b[*pos];
            *pos += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return v;
            }
            shift += 7;
            assert!(shift < 64, "varint too long");
        }
    }

    fn fields(b: &[u8]) -> Vec<(u32, Field<'_>)> {
        let mut pos = 0;
        let mut out = Vec::new();
        while pos < b.len() {
            let k = read_varint(b, &mut pos);
            let (field, wire) = ((k >> 3) as u32, k & 7);
            let f = match wire {
                0 => Field::Varint(read_varint(b, &mut pos)),
                1 => {
                    let v = u64::from_le_bytes(b[pos..pos + 8].try_into().unwrap());
                    pos += 8;
                    Field::Fixed64(v)
                }
                2 => {
                    let n = read_varint(b, &mut pos) as usize;
                    let s = &b[pos..pos + n];
                    pos += n;
                    Field::Bytes(s)
                }
                5 => {
                    let v = u32::from_le_bytes(b[pos..pos + 4].try_into().unwrap());
                    pos += 4;
                    Field::Fixed32(v)
                }
                w => panic!("wire type {w}"),
            };
            out.push((field, f));
        }
        assert_eq!(pos, b.len());
        out
    }

    fn packed(b: &[u8]) -> Vec<u32> {
        let mut pos = 0;
        let mut out = Vec::new();
        while pos < b.len() {
            out.push(u32::try_from(read_varint(b, &mut pos)).unwrap());
        }
        out
    }

    #[derive(Debug, Default)]
    struct DLayer {
        name: String,
        version: u64,
        extent: u64,
        keys: Vec<String>,
        values: Vec<Value<'static>>,
        features: Vec<DFeature>,
    }

    #[derive(Debug, Default)]
    struct DFeature {
        id: Option<u64>,
        tags: Vec<u32>,
        ty: u64,
        geometry: Vec<u32>,
    }

    fn decode_value(b: &[u8]) -> Value<'static> {
        let f = fields(b);
        assert_eq!(f.len(), 1, "a value has exactly one field");
        match &f[0] {
            (1, Field::Bytes(s)) => Value::from(String::from_utf8(s.to_vec()).unwrap()),
            (2, Field::Fixed32(v)) => Value::Double(f64::from(f32::from_bits(*v))),
            (3, Field::Fixed64(v)) => Value::Double(f64::from_bits(*v)),
            (4, Field::Varint(v)) => Value::Int(*v as i64),
            (5, Field::Varint(v)) => Value::Int(i64::try_from(*v).unwrap()),
            (6, Field::Varint(v)) => Value::Int(((v >> 1) as i64) ^ -((v & 1) as i64)),
            (7, Field::Varint(v)) => Value::Bool(*v != 0),
            other => panic!("bad value field {other:?}"),
        }
    }

    fn decode_tile(b: &[u8]) -> Vec<DLayer> {
        let mut layers = Vec::new();
        for (n, f) in fields(b) {
            let (3, Field::Bytes(lb)) = (n, f) else {
                panic!("tile field {n}");
            };
            let mut l = DLayer::default();
            for (n, f) in fields(lb) {
                match (n, f) {
                    (1, Field::Bytes(s)) => l.name = String::from_utf8(s.to_vec()).unwrap(),
                    (2, Field::Bytes(fb)) => {
                        let mut feat = DFeature::default();
                        for (n, f) in fields(fb) {
                            match (n, f) {
                                (1, Field::Varint(v)) => feat.id = Some(v),
                                (2, Field::Bytes(p)) => feat.tags = packed(p),
                                (3, Field::Varint(v)) => feat.ty = v,
                                (4, Field::Bytes(p)) => feat.geometry = packed(p),
                                other => panic!("feature field {other:?}"),
                            }
                        }
                        l.features.push(feat);
                    }
                    (3, Field::Bytes(s)) => l.keys.push(String::from_utf8(s.to_vec()).unwrap()),
                    (4, Field::Bytes(v)) => l.values.push(decode_value(v)),
                    (5, Field::Varint(v)) => l.extent = v,
                    (15, Field::Varint(v)) => l.version = v,
                    other => panic!("layer field {other:?}"),
                }
            }
            for f in &l.features {
                assert_eq!(f.tags.len() % 2, 0);
                for t in f.tags.chunks(2) {
                    assert!((t[0] as usize) < l.keys.len() && (t[1] as usize) < l.values.len());
                }
            }
            layers.push(l);
        }
        layers
    }

    fn props(l: &DLayer, f: &DFeature) -> Vec<(String, Value<'static>)> {
        f.tags
            .chunks(2)
            .map(|t| {
                (
                    l.keys[t[0] as usize].clone(),
                    l.values[t[1] as usize].clone(),
                )
            })
            .collect()
    }

    /// Decodes a command stream, checking it against MVT 2.1 §4.3: points
    /// one MoveTo; lines MoveTo(1) LineTo(n ≥ 1); polygons MoveTo(1)
    /// LineTo(n ≥ 2) ClosePath; no zero-length LineTo. Returns the points
    /// (one part each), the lines, or the rings (without closing vertex).
    fn decode_geometry(ty: GeomType, g: &[u32]) -> Vec<Vec<IPt>> {
        let unzz = |v: u32| i64::from((v >> 1) as i32 ^ -((v & 1) as i32));
        let mut cur = [0i64, 0i64];
        let mut parts: Vec<Vec<IPt>> = Vec::new();
        let mut i = 0;
        let step = |i: &mut usize, cur: &mut IPt| {
            let p = [cur[0] + unzz(g[*i]), cur[1] + unzz(g[*i + 1])];
            *i += 2;
            *cur = p;
            p
        };
        while i < g.len() {
            let (id, count) = (g[i] & 7, (g[i] >> 3) as usize);
            i += 1;
            assert_eq!(id, MOVE_TO, "parts start with MoveTo");
            assert!(count >= 1);
            if ty == GeomType::Point {
                for _ in 0..count {
                    parts.push(vec![step(&mut i, &mut cur)]);
                }
                assert_eq!(i, g.len(), "points are one MoveTo");
                continue;
            }
            assert_eq!(count, 1);
            let mut part = vec![step(&mut i, &mut cur)];
            let (id, count) = (g[i] & 7, (g[i] >> 3) as usize);
            i += 1;
            assert_eq!(id, LINE_TO);
            assert!(count >= if ty == GeomType::Polygon { 2 } else { 1 });
            for _ in 0..count {
                let before = cur;
                let p = step(&mut i, &mut cur);
                assert_ne!(p, before, "zero-length LineTo");
                part.push(p);
            }
            if ty == GeomType::Polygon {
                assert_eq!(g[i], command(CLOSE_PATH, 1));
                i += 1;
                assert_ne!(part.last(), part.first(), "ring repeats its start");
            }
            parts.push(part);
        }
        parts
    }

    /// The ring rotated to start at its smallest vertex (for comparisons).
    fn normalized(r: &[IPt]) -> Vec<IPt> {
        let k = (0..r.len()).min_by_key(|&i| r[i]).unwrap();
        r[k..].iter().chain(&r[..k]).copied().collect()
    }

    // ----------------------------------------------------------- geometry

    #[test]
    fn point_and_multipoint() {
        // MVT 2.1 §4.3.5.1 and §4.3.5.2
        let p = paths(0, &[&[[25.0, 17.0]]]);
        assert_eq!(enc(&p, 0, 0.0), Some((GeomType::Point, vec![9, 50, 34])));
        let p = paths(0, &[&[[5.0, 7.0]], &[[3.0, 2.0]]]);
        assert_eq!(
            enc(&p, 0, 0.0),
            Some((GeomType::Point, vec![17, 10, 14, 3, 9]))
        );
        // rounding, a repeat after rounding, outside, in the buffer, NaN
        let p = paths(
            0,
            &[
                &[[4.6, 7.4]],
                &[[5.2, 6.9]],
                &[[-10.0, 5.0]],
                &[[4100.0, 5.0]],
                &[[f64::NAN, 5.0]],
                &[[3.0, 2.0]],
            ],
        );
        assert_eq!(
            enc(&p, 0, 0.0),
            Some((GeomType::Point, vec![17, 10, 14, 3, 9]))
        );
        let (_, g) = enc(&p, 16, 0.0).unwrap();
        assert_eq!(
            decode_geometry(GeomType::Point, &g),
            vec![vec![[5, 7]], vec![[-10, 5]], vec![[4100, 5]], vec![[3, 2]]]
        );
        assert_eq!(enc(&paths(0, &[&[[-1.0, 5.0]]]), 0, 0.0), None);
    }

    #[test]
    fn line_and_multiline() {
        // MVT 2.1 §4.3.5.3 and §4.3.5.4
        let l1: &[[f64; 2]] = &[[2.0, 2.0], [2.0, 10.0], [10.0, 10.0]];
        let p = paths(1, &[l1]);
        assert_eq!(
            enc(&p, 0, 0.0),
            Some((GeomType::LineString, vec![9, 4, 4, 18, 0, 16, 16, 0]))
        );
        let p = paths(1, &[l1, &[[1.0, 1.0], [3.0, 5.0]]]);
        assert_eq!(
            enc(&p, 0, 0.0),
            Some((
                GeomType::LineString,
                vec![9, 4, 4, 18, 0, 16, 16, 0, 9, 17, 17, 10, 4, 8]
            ))
        );
        // repeated vertices (also after rounding) are dropped, a line that
        // collapses to one point is dropped
        let p = paths(
            1,
            &[
                &[
                    [2.0, 2.0],
                    [2.2, 2.1],
                    [2.0, 10.0],
                    [2.0, 10.0],
                    [10.0, 10.0],
                ],
                &[[7.0, 7.0], [7.1, 7.2]],
                &[[8.0, 8.0]],
            ],
        );
        assert_eq!(
            enc(&p, 0, 0.0),
            Some((GeomType::LineString, vec![9, 4, 4, 18, 0, 16, 16, 0]))
        );
    }

    #[test]
    fn square_and_spec_polygons() {
        // a square given counter-clockwise (in tile coordinates) and closed:
        // written clockwise, without the closing vertex
        let sq: &[[f64; 2]] = &[
            [0.0, 0.0],
            [0.0, 10.0],
            [10.0, 10.0],
            [10.0, 0.0],
            [0.0, 0.0],
        ];
        assert_eq!(
            enc(&paths(2, &[sq]), 0, 0.0),
            Some((
                GeomType::Polygon,
                vec![9, 0, 0, 26, 20, 0, 0, 20, 19, 0, 15]
            ))
        );
        // MVT 2.1 §4.3.5.5
        let tri: &[[f64; 2]] = &[[3.0, 6.0], [8.0, 12.0], [20.0, 34.0], [3.0, 6.0]];
        assert_eq!(
            enc(&paths(2, &[tri]), 0, 0.0),
            Some((GeomType::Polygon, vec![9, 6, 12, 18, 10, 12, 24, 44, 15]))
        );
        // MVT 2.1 §4.3.5.6, every ring given in the wrong direction
        // (reversed with the same first vertex) and a collinear vertex
        let p1: &[[f64; 2]] = &[
            [0.0, 0.0],
            [0.0, 10.0],
            [10.0, 10.0],
            [10.0, 5.0],
            [10.0, 0.0],
        ];
        let p2: &[[f64; 2]] = &[[11.0, 11.0], [11.0, 20.0], [20.0, 20.0], [20.0, 11.0]];
        let hole: &[[f64; 2]] = &[[13.0, 13.0], [17.0, 13.0], [17.0, 17.0], [13.0, 17.0]];
        let want = vec![
            9, 0, 0, 26, 20, 0, 0, 20, 19, 0, 15, 9, 22, 2, 26, 18, 0, 0, 18, 17, 0, 15, 9, 4, 13,
            26, 0, 8, 8, 0, 0, 7, 15,
        ];
        assert_eq!(
            enc(&paths(2, &[p1, p2, hole]), 0, 0.0),
            Some((GeomType::Polygon, want.clone()))
        );
        // the hole listed first: still written after its exterior
        let (_, g) = enc(&paths(2, &[hole, p1, p2]), 0, 0.0).unwrap();
        let rings = decode_geometry(GeomType::Polygon, &g);
        assert_eq!(rings.len(), 3);
        assert_eq!(
            normalized(&rings[2]),
            vec![[13, 13], [13, 17], [17, 17], [17, 13]]
        );
        assert_eq!(
            normalized(&rings[1]),
            vec![[11, 11], [20, 11], [20, 20], [11, 20]]
        );
    }

    #[test]
    fn holes_and_islands_by_nesting() {
        // exterior, hole, island in the hole, hole in the island: all given
        // counter-clockwise in tile coordinates, the smallest first
        let sq = |x0: f64, y0: f64, s: f64| -> Vec<[f64; 2]> {
            vec![[x0, y0], [x0, y0 + s], [x0 + s, y0 + s], [x0 + s, y0]]
        };
        let (a, b, c, d) = (
            sq(100.0, 100.0, 1000.0),
            sq(200.0, 200.0, 800.0),
            sq(300.0, 300.0, 600.0),
            sq(400.0, 400.0, 400.0),
        );
        let other = sq(2000.0, 2000.0, 100.0);
        let p = paths(2, &[&d, &other, &b, &c, &a]);
        let (ty, g) = enc(&p, 0, 0.0).unwrap();
        assert_eq!(ty, GeomType::Polygon);
        let rings = decode_geometry(ty, &g);
        let areas: Vec<i128> = rings.iter().map(|r| area2(r) / 2).collect();
        // polygons in input order of their exteriors: other, the island c
        // with its hole d, a with its hole b
        assert_eq!(
            areas,
            vec![10_000, 360_000, -160_000, 1_000_000, -640_000],
            "{rings:?}"
        );
        assert_eq!(normalized(&rings[1])[0], [300, 300]);
        assert_eq!(normalized(&rings[3])[0], [100, 100]);

        // two holes in one exterior, one touching the exterior's edge
        let outer = sq(0.0, 0.0, 100.0);
        let h1 = [[0.0, 10.0], [20.0, 10.0], [20.0, 30.0], [0.0, 30.0]];
        let h2 = sq(50.0, 50.0, 10.0);
        let (_, g) = enc(&paths(2, &[&h2, &h1, &outer]), 0, 0.0).unwrap();
        let rings = decode_geometry(GeomType::Polygon, &g);
        let areas: Vec<i128> = rings.iter().map(|r| area2(r) / 2).collect();
        assert_eq!(areas, vec![10_000, -100, -400]);
    }

    #[test]
    fn clipping_lines() {
        // across the tile
        let p = paths(1, &[&[[-100.0, 2048.0], [5000.0, 2048.0]]]);
        let (_, g) = enc(&p, 0, 0.0).unwrap();
        assert_eq!(
            decode_geometry(GeomType::LineString, &g),
            vec![vec![[0, 2048], [4096, 2048]]]
        );
        let (_, g) = enc(&p, 64, 0.0).unwrap();
        assert_eq!(
            decode_geometry(GeomType::LineString, &g),
            vec![vec![[-64, 2048], [4160, 2048]]]
        );
        // out through the top and back in: two parts, hand-checked
        let p = paths(
            1,
            &[&[[100.0, 1000.0], [2000.0, -1000.0], [3900.0, 1000.0]]],
        );
        assert_eq!(
            enc(&p, 0, 0.0),
            Some((
                GeomType::LineString,
                vec![9, 200, 2000, 10, 1900, 1999, 9, 3800, 0, 10, 1900, 2000]
            ))
        );
        // diagonal through a corner region, from inside to outside
        let p = paths(1, &[&[[2000.0, 2000.0], [6000.0, 3000.0]]]);
        let (_, g) = enc(&p, 0, 0.0).unwrap();
        assert_eq!(
            decode_geometry(GeomType::LineString, &g),
            vec![vec![[2000, 2000], [4096, 2524]]]
        );
        // entirely outside, and grazing outside the corner
        assert_eq!(
            enc(&paths(1, &[&[[-10.0, -10.0], [5000.0, -20.0]]]), 0, 0.0),
            None
        );
        assert_eq!(
            enc(&paths(1, &[&[[-100.0, 50.0], [50.0, -100.0]]]), 0, 0.0),
            None
        );
        // along the edge of the tile: kept (boundary is inside)
        let (_, g) = enc(&paths(1, &[&[[0.0, 10.0], [0.0, 5000.0]]]), 0, 0.0).unwrap();
        assert_eq!(
            decode_geometry(GeomType::LineString, &g),
            vec![vec![[0, 10], [0, 4096]]]
        );
    }

    #[test]
    fn polygon_bigger_than_the_tile_is_the_buffered_square() {
        let big: &[[f64; 2]] = &[[-1e4, -1e4], [1e4, -1e4], [1e4, 1e4], [-1e4, 1e4]];
        let (ty, g) = enc(&paths(2, &[big]), 64, 0.0).unwrap();
        let rings = decode_geometry(ty, &g);
        assert_eq!(rings.len(), 1);
        assert_eq!(
            normalized(&rings[0]),
            vec![[-64, -64], [4160, -64], [4160, 4160], [-64, 4160]]
        );
        assert!(area2(&rings[0]) > 0);
        // with a hole that also covers the tile: nothing is left
        let hole: &[[f64; 2]] = &[[-5e3, -5e3], [5e3, -5e3], [5e3, 5e3], [-5e3, 5e3]];
        assert_eq!(enc(&paths(2, &[big, hole]), 64, 0.0), None);
        // with a hole crossing the tile's right edge: the hole is clipped
        let h: &[[f64; 2]] = &[
            [4000.0, 1000.0],
            [5000.0, 1000.0],
            [5000.0, 2000.0],
            [4000.0, 2000.0],
        ];
        let (_, g) = enc(&paths(2, &[big, h]), 0, 0.0).unwrap();
        let rings = decode_geometry(GeomType::Polygon, &g);
        assert_eq!(rings.len(), 2);
        assert_eq!(
            normalized(&rings[1]),
            vec![[4000, 1000], [4000, 2000], [4096, 2000], [4096, 1000]]
        );
        assert_eq!(area2(&rings[1]) / 2, -96_000);
        // a polygon entirely outside the buffered tile
        let out: &[[f64; 2]] = &[[5000.0, 0.0], [6000.0, 0.0], [6000.0, 100.0]];
        assert_eq!(enc(&paths(2, &[out]), 64, 0.0), None);
    }

    #[test]
    fn clipping_a_concave_polygon() {
        // a U whose arms leave the tile at the top: arms are cut at y = 0
        let u: &[[f64; 2]] = &[
            [100.0, 1000.0],
            [100.0, -500.0],
            [300.0, -500.0],
            [300.0, 800.0],
            [700.0, 800.0],
            [700.0, -500.0],
            [900.0, -500.0],
            [900.0, 1000.0],
        ];
        let (_, g) = enc(&paths(2, &[u]), 0, 0.0).unwrap();
        let rings = decode_geometry(GeomType::Polygon, &g);
        assert_eq!(rings.len(), 1);
        // area: 800 x 1000 minus the 400 x 800 notch
        assert_eq!(area2(&rings[0]) / 2, 800 * 1000 - 400 * 800);
        assert!(rings[0].iter().all(|p| p[1] >= 0));
    }

    #[test]
    fn simplification_of_a_dense_circle() {
        let n = 10_000;
        let (cx, cy, r) = (2048.0, 2048.0, 1000.0);
        let circle: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let a = std::f64::consts::TAU * f64::from(i) / f64::from(n);
                [cx + r * a.cos(), cy + r * a.sin()]
            })
            .collect();
        let p = paths(2, &[&circle]);
        let (_, full) = enc(&p, 0, 0.0).unwrap();
        let (_, simple) = enc(&p, 0, 1.0).unwrap();
        let full_rings = decode_geometry(GeomType::Polygon, &full);
        let rings = decode_geometry(GeomType::Polygon, &simple);
        assert_eq!(rings.len(), 1);
        let ring = &rings[0];
        assert!(ring.len() < 150, "{} vertices", ring.len());
        assert!(ring.len() >= 16, "{} vertices", ring.len());
        assert!(full_rings[0].len() > 1000);
        let area = area2(ring) as f64 / 2.0;
        let exact = std::f64::consts::PI * r * r;
        assert!(
            area > 0.0 && (area - exact).abs() / exact < 0.01,
            "{area} vs {exact}"
        );
        for q in ring {
            let d = ((q[0] as f64 - cx).powi(2) + (q[1] as f64 - cy).powi(2)).sqrt();
            assert!((d - r).abs() <= 1.5, "{q:?} at {d}");
        }
        // a dense line too: endpoints stay
        let line: Vec<[f64; 2]> = (0..=1000)
            .map(|i| [f64::from(i), 100.0 + f64::from(i % 2) * 0.3])
            .collect();
        let (_, g) = enc(&paths(1, &[&line]), 0, 1.0).unwrap();
        assert_eq!(
            decode_geometry(GeomType::LineString, &g),
            vec![vec![[0, 100], [1000, 100]]]
        );
    }

    #[test]
    fn simplification_keeps_a_triangle_and_drops_specks() {
        // a flat triangle narrower than the tolerance stays a triangle
        let tri: &[[f64; 2]] = &[[0.0, 0.0], [50.0, 3.0], [100.0, 0.0]];
        let (_, g) = enc(&paths(2, &[tri]), 0, 10.0).unwrap();
        let rings = decode_geometry(GeomType::Polygon, &g);
        assert_eq!(rings.len(), 1);
        assert_eq!(rings[0].len(), 3);
        assert!(area2(&rings[0]) > 0);
        // a many-sided flat ring too
        let flat: Vec<[f64; 2]> = (0..=100)
            .map(|i| [f64::from(i), 0.0])
            .chain((0..=100).rev().map(|i| [f64::from(i), 2.0]))
            .collect();
        let (_, g) = enc(&paths(2, &[&flat]), 0, 5.0).unwrap();
        let rings = decode_geometry(GeomType::Polygon, &g);
        assert_eq!(rings.len(), 1);
        assert!(rings[0].len() >= 3 && area2(&rings[0]) > 0);
        // a ring smaller than a tile unit vanishes; the rest stays
        let speck: &[[f64; 2]] = &[[10.1, 10.1], [10.3, 10.1], [10.3, 10.3]];
        assert_eq!(enc(&paths(2, &[speck]), 0, 0.0), None);
        let sq: &[[f64; 2]] = &[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        let (_, g) = enc(&paths(2, &[speck, sq]), 0, 0.5).unwrap();
        assert_eq!(decode_geometry(GeomType::Polygon, &g).len(), 1);
        // a zero-width spike on a square is removed
        let spiky: &[[f64; 2]] = &[
            [0.0, 0.0],
            [10.0, 0.0],
            [10.0, 5.0],
            [20.0, 5.0],
            [10.0, 5.0],
            [10.0, 10.0],
            [0.0, 10.0],
        ];
        assert_eq!(
            enc(&paths(2, &[spiky]), 0, 0.0),
            Some((
                GeomType::Polygon,
                vec![9, 0, 0, 26, 20, 0, 0, 20, 19, 0, 15]
            ))
        );
    }

    #[test]
    fn coordinates_of_a_real_tile() {
        // WebMercatorQuad-like box: 1000 m wide, tile coordinates scale by
        // 4.096 and flip y
        let bbox = [1_000_000.0, 6_000_000.0, 1_001_000.0, 6_001_000.0];
        let p = Paths {
            dim: 1,
            coords: vec![
                [1_000_000.0, 6_001_000.0],
                [1_000_500.0, 6_000_500.0],
                [1_001_000.0, 6_000_000.0],
            ],
            ends: vec![3],
        };
        let (_, g) = encode_geometry(&p, bbox, 4096, 0, 0.0).unwrap();
        assert_eq!(
            decode_geometry(GeomType::LineString, &g),
            vec![vec![[0, 0], [2048, 2048], [4096, 4096]]]
        );
        let (_, g) = encode_geometry(&p, bbox, 512, 0, 0.0).unwrap();
        assert_eq!(
            decode_geometry(GeomType::LineString, &g),
            vec![vec![[0, 0], [256, 256], [512, 512]]]
        );
    }

    #[test]
    fn robust_against_bad_input() {
        let nan = f64::NAN;
        let inf = f64::INFINITY;
        // empty
        for dim in 0..3 {
            assert_eq!(
                enc(
                    &Paths {
                        dim,
                        ..Paths::default()
                    },
                    64,
                    1.0
                ),
                None
            );
        }
        // ends past the coordinates or going backwards
        let bad = Paths {
            dim: 2,
            coords: vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]],
            ends: vec![3, 2, 99, 0],
        };
        assert!(encode_geometry(&bad, TILE, 4096, 0, 0.0).is_some());
        for dim in 0..3 {
            let b = Paths { dim, ..bad.clone() };
            let _ = encode_geometry(&b, TILE, 4096, 0, 0.0);
        }
        // NaN vertices are skipped
        let p = paths(1, &[&[[1.0, 1.0], [nan, 5.0], [3.0, 1.0], [5.0, inf]]]);
        let (_, g) = enc(&p, 0, 0.0).unwrap();
        assert_eq!(
            decode_geometry(GeomType::LineString, &g),
            vec![vec![[1, 1], [3, 1]]]
        );
        let p = paths(
            2,
            &[&[
                [nan, nan],
                [0.0, 0.0],
                [10.0, 0.0],
                [10.0, 10.0],
                [nan, 1.0],
            ]],
        );
        assert!(enc(&p, 0, 0.0).is_some());
        assert_eq!(enc(&paths(2, &[&[[nan, nan]; 5]]), 0, 0.0), None);
        // huge coordinates
        let huge = 1e300;
        let p = paths(1, &[&[[-huge, 2048.0], [huge, 2048.0]]]);
        let (_, g) = enc(&p, 8, 0.0).unwrap();
        assert_eq!(
            decode_geometry(GeomType::LineString, &g),
            vec![vec![[-8, 2048], [4104, 2048]]]
        );
        let p = paths(
            2,
            &[&[[-huge, -huge], [huge, -huge], [huge, huge], [-huge, huge]]],
        );
        let (_, g) = enc(&p, 8, 1.0).unwrap();
        assert_eq!(
            normalized(&decode_geometry(GeomType::Polygon, &g)[0]),
            vec![[-8, -8], [4104, -8], [4104, 4104], [-8, 4104]]
        );
        let p = paths(
            2,
            &[&[[f64::MAX, f64::MAX], [f64::MIN, 0.0], [0.0, f64::MIN]]],
        );
        let _ = enc(&p, 8, 1.0);
        let p = paths(0, &[&[[f64::MAX, 0.0]], &[[f64::MIN_POSITIVE, 1.0]]]);
        assert_eq!(enc(&p, 8, 1.0).map(|r| r.1), Some(vec![9, 0, 2]));
        // tiny coordinates: a speck in a huge tile vanishes, a tiny tile works
        let p = paths(2, &[&[[1e-300, 0.0], [2e-300, 0.0], [2e-300, 1e-300]]]);
        assert_eq!(enc(&p, 0, 0.0), None);
        let tiny = Paths {
            dim: 2,
            coords: vec![[0.0, 0.0], [1e-300, 0.0], [1e-300, 1e-300], [0.0, 1e-300]],
            ends: vec![4],
        };
        let (_, g) = encode_geometry(&tiny, [0.0, 0.0, 4e-300, 4e-300], 4096, 0, 0.0).unwrap();
        assert_eq!(
            normalized(&decode_geometry(GeomType::Polygon, &g)[0]),
            vec![[0, 3072], [1024, 3072], [1024, 4096], [0, 4096]]
        );
        // unusable boxes, extent and tolerance
        let sq = paths(2, &[&[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]]);
        for bbox in [
            [0.0, 0.0, 0.0, 4096.0],
            [0.0, 0.0, 4096.0, -1.0],
            [nan, 0.0, 4096.0, 4096.0],
            [0.0, 0.0, inf, 4096.0],
            [0.0, 0.0, 1e-320, 4096.0],
        ] {
            assert_eq!(encode_geometry(&sq, bbox, 4096, 0, 0.0), None, "{bbox:?}");
        }
        assert_eq!(encode_geometry(&sq, TILE, 0, 0, 0.0), None);
        for tol in [nan, -1.0, inf] {
            assert!(encode_geometry(&sq, TILE, 4096, 0, tol).is_some());
        }
        // a self-intersecting bow tie and a ring that doubles back
        let bow = paths(
            2,
            &[&[[0.0, 0.0], [100.0, 100.0], [100.0, 0.0], [0.0, 100.0]]],
        );
        let _ = enc(&bow, 0, 1.0);
        let back = paths(2, &[&[[0.0, 0.0], [100.0, 0.0], [0.0, 0.0], [100.0, 0.0]]]);
        assert_eq!(enc(&back, 0, 0.0), None);
        // identical rings cancel each other (even-odd)
        let sq2 = paths(
            2,
            &[
                &[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]],
                &[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]],
            ],
        );
        assert_eq!(enc(&sq2, 0, 0.0), None);
    }

    #[test]
    fn many_rings_quickly() {
        // 2500 small squares in a grid: all exteriors, linear-time-ish
        let mut p = Paths {
            dim: 2,
            ..Paths::default()
        };
        for i in 0..50 {
            for j in 0..50 {
                let (x, y) = (f64::from(i) * 80.0, f64::from(j) * 80.0);
                p.coords
                    .extend([[x, y], [x + 40.0, y], [x + 40.0, y + 40.0], [x, y + 40.0]]);
                p.ends.push(p.coords.len() as u32);
            }
        }
        let (_, g) = enc(&p, 0, 0.5).unwrap();
        let rings = decode_geometry(GeomType::Polygon, &g);
        assert_eq!(rings.len(), 2500);
        assert!(rings.iter().all(|r| area2(r) == 2 * 1600));
    }

    // --------------------------------------------------------------- tiles

    fn feature<'a>(
        id: Option<u64>,
        g: (GeomType, Vec<u32>),
        props: Vec<(&'a str, Value<'a>)>,
    ) -> Feature<'a> {
        Feature {
            id,
            geom_type: g.0,
            geometry: g.1,
            properties: props,
        }
    }

    #[test]
    fn tile_round_trip() {
        let sq: &[[f64; 2]] = &[[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]];
        let hole: &[[f64; 2]] = &[[10.0, 10.0], [20.0, 10.0], [20.0, 20.0], [10.0, 20.0]];
        let poly = enc(&paths(2, &[sq, hole]), 64, 0.0).unwrap();
        let other = enc(
            &paths(2, &[&[[200.0, 200.0], [300.0, 200.0], [250.0, 300.0]]]),
            64,
            0.0,
        )
        .unwrap();
        let line = enc(&paths(1, &[&[[1.0, 1.0], [4000.0, 30.0]]]), 64, 0.0).unwrap();
        let pts = enc(&paths(0, &[&[[7.0, 9.0]], &[[8.0, 9.0]]]), 64, 0.0).unwrap();
        let layers = vec![
            Layer {
                name: "BP_BaugebietsTeilFlaeche".into(),
                extent: 4096,
                features: vec![
                    feature(
                        Some(1),
                        poly,
                        vec![
                            ("name", "WA 1".into()),
                            ("gfz", 0.8.into()),
                            ("geschosse", 3.into()),
                            ("hoehe", Value::Int(-5)),
                            ("festgesetzt", true.into()),
                            ("name", "ignored repeat".into()),
                        ],
                    ),
                    feature(
                        None,
                        other,
                        vec![
                            ("geschosse", 3.into()),
                            ("name", "WA 2".into()),
                            ("gfz", 0.8.into()),
                        ],
                    ),
                    // without geometry: left out
                    feature(Some(9), (GeomType::Polygon, vec![]), vec![("x", 1.into())]),
                ],
            },
            Layer::new("leer"),
            Layer {
                name: "linien_und_punkte".into(),
                extent: 4096,
                features: vec![
                    feature(Some(u64::MAX), line, vec![("typ", "Baugrenze".into())]),
                    feature(
                        Some(300),
                        pts,
                        vec![("typ", "Punkt".into()), ("big", Value::Int(i64::MAX))],
                    ),
                ],
            },
        ];
        let bytes = encode_tile(&layers);
        let dec = decode_tile(&bytes);
        assert_eq!(dec.len(), 2, "the empty layer is left out");

        let l = &dec[0];
        assert_eq!(
            (l.name.as_str(), l.version, l.extent),
            ("BP_BaugebietsTeilFlaeche", 2, 4096)
        );
        assert_eq!(l.keys, ["name", "gfz", "geschosse", "hoehe", "festgesetzt"]);
        assert_eq!(
            l.values,
            vec![
                Value::String("WA 1".into()),
                Value::Double(0.8),
                Value::Int(3),
                Value::Int(-5),
                Value::Bool(true),
                Value::String("WA 2".into()),
            ]
        );
        assert_eq!(l.features.len(), 2);
        let f = &l.features[0];
        assert_eq!((f.id, f.ty), (Some(1), 3));
        assert_eq!(
            props(l, f),
            vec![
                ("name".to_string(), Value::String("WA 1".into())),
                ("gfz".to_string(), Value::Double(0.8)),
                ("geschosse".to_string(), Value::Int(3)),
                ("hoehe".to_string(), Value::Int(-5)),
                ("festgesetzt".to_string(), Value::Bool(true)),
            ]
        );
        let rings = decode_geometry(GeomType::Polygon, &f.geometry);
        assert_eq!(rings.len(), 2);
        assert_eq!(
            normalized(&rings[0]),
            vec![[0, 0], [100, 0], [100, 100], [0, 100]]
        );
        assert_eq!(
            normalized(&rings[1]),
            vec![[10, 10], [10, 20], [20, 20], [20, 10]]
        );
        assert!(area2(&rings[0]) > 0 && area2(&rings[1]) < 0);
        let f = &l.features[1];
        assert_eq!((f.id, f.ty), (None, 3));
        assert_eq!(f.tags, vec![2, 2, 0, 5, 1, 1]);
        let rings = decode_geometry(GeomType::Polygon, &f.geometry);
        assert_eq!(
            normalized(&rings[0]),
            vec![[200, 200], [300, 200], [250, 300]]
        );

        let l = &dec[1];
        assert_eq!(
            (l.name.as_str(), l.version, l.extent),
            ("linien_und_punkte", 2, 4096)
        );
        assert_eq!(l.keys, ["typ", "big"]);
        assert_eq!(l.features.len(), 2);
        let f = &l.features[0];
        assert_eq!((f.id, f.ty), (Some(u64::MAX), 2));
        assert_eq!(
            decode_geometry(GeomType::LineString, &f.geometry),
            vec![vec![[1, 1], [4000, 30]]]
        );
        assert_eq!(
            props(l, f),
            vec![("typ".to_string(), Value::String("Baugrenze".into()))]
        );
        let f = &l.features[1];
        assert_eq!((f.id, f.ty), (Some(300), 1));
        assert_eq!(
            decode_geometry(GeomType::Point, &f.geometry),
            vec![vec![[7, 9]], vec![[8, 9]]]
        );
        assert_eq!(
            props(l, f),
            vec![
                ("typ".to_string(), Value::String("Punkt".into())),
                ("big".to_string(), Value::Int(i64::MAX)),
            ]
        );

        assert!(encode_tile(&[]).is_empty());
        assert!(encode_tile(&[Layer::new("x")]).is_empty());
    }

    #[test]
    fn protobuf_bytes() {
        // Tile { layers: Layer { name "a", one point feature, extent 4096, version 2 } }
        let l = Layer {
            name: "a".into(),
            extent: 4096,
            features: vec![feature(None, (GeomType::Point, vec![9, 50, 34]), vec![])],
        };
        let layer = [
            0x0a, 0x01, b'a', // name
            0x12, 0x07, 0x18, 0x01, 0x22, 0x03, 9, 50, 34, // feature: type 1, geometry
            0x28, 0x80, 0x20, // extent 4096
            0x78, 0x02, // version 2
        ];
        let mut want = vec![0x1a, layer.len() as u8];
        want.extend_from_slice(&layer);
        assert_eq!(encode_tile(&[l]), want);
        // values: sint for negative, uint for positive, double, bool
        let mut b = Vec::new();
        write_value(&mut b, &Value::Int(-1));
        assert_eq!(b, [0x30, 0x01]);
        b.clear();
        write_value(&mut b, &Value::Int(300));
        assert_eq!(b, [0x28, 0xac, 0x02]);
        b.clear();
        write_value(&mut b, &Value::Bool(true));
        assert_eq!(b, [0x38, 0x01]);
        b.clear();
        write_value(&mut b, &Value::Double(1.5));
        assert_eq!(b[0], 0x19);
        assert_eq!(&b[1..], 1.5f64.to_le_bytes());
    }
}
