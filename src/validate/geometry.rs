//! Geometric rules: 2.2.2.1 (geometrically correct areas and curves) and
//! XLink integrity.

use super::{Finding, Level};
use crate::gml::arc::linearize_curve;
use crate::gml::reader::ParsedGeometry;
use crate::gml::{Coord, Curve, Geometry, Polygon, Segment};
use crate::xplan::Document;
use geo::algorithm::validation::{InvalidMultiPolygon, InvalidPolygon, Validation};
use rayon::prelude::*;
use std::collections::HashSet;

/// Linearisation tolerance for the checks (m), as xPlanBox validates.
pub const CHECK_CHORD_ERROR: f64 = 0.1;

pub const RULE_GEOMETRY: &str = "2.2.2.1";
pub const RULE_XLINK: &str = "XLink-Integrität";

/// Checks 2.2.2.1 on every geometry of every feature (in parallel).
pub fn check_geometries(doc: &Document, skip_orientation: bool) -> Vec<Finding> {
    doc.features
        .par_iter()
        .flat_map_iter(|f| {
            let mut out = Vec::new();
            for g in &f.geometries {
                for (level, message, at) in check_geometry(&g.geometry, skip_orientation) {
                    out.push(Finding {
                        rule: RULE_GEOMETRY.into(),
                        level,
                        message: format!(
                            "{} '{}', {}: {message}",
                            f.feature_type, f.gml_id, g.property
                        ),
                        gml_ids: vec![f.gml_id.clone()],
                        line: Some(g.geometry.line),
                        location: at.map(|c| [c.x, c.y]),
                    });
                }
            }
            out
        })
        .collect()
}

type Problem = (Level, String, Option<Coord>);

/// The problems of one geometry: (level, message, location).
pub fn check_geometry(g: &ParsedGeometry, skip_orientation: bool) -> Vec<Problem> {
    let mut out = Vec::new();
    if g.had_z {
        out.push((Level::Error, "only 2D coordinates are allowed".into(), None));
    }
    match &g.geometry {
        Geometry::Point(_) | Geometry::MultiPoint(_) => {}
        Geometry::Curve(c) => check_curve(c, "curve", false, &mut out),
        Geometry::MultiCurve(cs) => cs
            .iter()
            .for_each(|c| check_curve(c, "curve", false, &mut out)),
        Geometry::Polygon(p) => {
            check_polygon(p, skip_orientation, &mut out);
        }
        Geometry::MultiSurface(ps) => {
            let polys: Vec<Option<geo::Polygon<f64>>> = ps
                .iter()
                .map(|p| check_polygon(p, skip_orientation, &mut out))
                .collect();
            if ps.len() > 1 && out.iter().all(|(l, _, _)| *l != Level::Error) {
                let polys: Vec<geo::Polygon<f64>> = polys.into_iter().flatten().collect();
                check_surface_members(ps, polys, &g.surface_members, &mut out);
            }
        }
    }
    out
}

/// Members of a multi-surface must be disjoint (touching in points only);
/// the patches of one gml:Surface may share edges but must not overlap and
/// must form one connected area.
fn check_surface_members(
    ps: &[Polygon],
    geo_polys: Vec<geo::Polygon<f64>>,
    members: &[usize],
    out: &mut Vec<Problem>,
) {
    // member index of each polygon
    let mut member_of = Vec::with_capacity(ps.len());
    for (m, &n) in members.iter().enumerate() {
        member_of.extend(std::iter::repeat_n(m, n));
    }
    if member_of.len() != ps.len() {
        member_of = (0..ps.len()).collect();
    }
    let mp = geo::MultiPolygon(geo_polys);
    let geo_polys = &mp.0;
    for e in mp.validation_errors() {
        match e {
            InvalidMultiPolygon::ElementsOverlaps(a, b) => {
                let what = if member_of[a.0] == member_of[b.0] {
                    "patches"
                } else {
                    "surfaces"
                };
                out.push((
                    Level::Error,
                    format!(
                        "the {what} {} and {} of the multi-surface overlap",
                        a.0 + 1,
                        b.0 + 1
                    ),
                    first_point(&ps[a.0]),
                ));
            }
            InvalidMultiPolygon::ElementsTouchOnALine(a, b) => {
                if member_of[a.0] != member_of[b.0] {
                    out.push((
                        Level::Error,
                        format!(
                            "the surfaces {} and {} of the multi-surface touch along a line",
                            a.0 + 1,
                            b.0 + 1
                        ),
                        first_point(&ps[a.0]),
                    ));
                }
            }
            InvalidMultiPolygon::InvalidPolygon(..) => {}
        }
    }
    // connectivity of the patches of each surface
    let mut start = 0;
    for &n in members {
        if n > 1 && start + n <= geo_polys.len() {
            let union = geo::unary_union(&geo_polys[start..start + n]);
            if union.0.len() > 1 {
                out.push((
                    Level::Error,
                    format!("the {n} patches of surface {} are not connected", start + 1),
                    first_point(&ps[start]),
                ));
            }
        }
        start += n;
    }
}

fn first_point(p: &Polygon) -> Option<Coord> {
    p.exterior.segments.first().and_then(Segment::first)
}

fn ring_name(i: usize) -> String {
    if i == 0 {
        "exterior ring".into()
    } else {
        format!("interior ring {i}")
    }
}

/// Segment continuity and, for rings (2.2.2.1 is about areas),
/// duplicate consecutive control points: one finding per ring.
fn check_curve(c: &Curve, what: &str, duplicates: bool, out: &mut Vec<Problem>) {
    let mut prev_end: Option<Coord> = None;
    let mut dup: Option<(usize, Coord)> = None;
    for (i, s) in c.segments.iter().enumerate() {
        if let (Some(end), Some(start)) = (prev_end, s.first()) {
            if end != start {
                out.push((
                    Level::Error,
                    format!(
                        "{what}: gap between curve segment {i} and {} ({:.4} m)",
                        i + 1,
                        ((end.x - start.x).powi(2) + (end.y - start.y).powi(2)).sqrt()
                    ),
                    Some(end),
                ));
            }
        }
        let pts: &[Coord] = match s {
            Segment::Line(p) | Segment::Arcs(p) => p,
            Segment::Circle(p) => p,
        };
        for w in pts.windows(2) {
            if w[0] == w[1] {
                let d = dup.get_or_insert((0, w[0]));
                d.0 += 1;
            }
        }
        prev_end = s.last();
    }
    if let (true, Some((n, at))) = (duplicates, dup) {
        out.push((
            Level::Error,
            format!(
                "{what}: {n} duplicate consecutive point{}",
                if n == 1 { "" } else { "s" }
            ),
            Some(at),
        ));
    }
}

/// Whether a ring has at least three distinct points (bit patterns, as
/// written).
fn three_distinct(pts: &[Coord]) -> bool {
    let bits = |c: &Coord| (c.x.to_bits(), c.y.to_bits());
    let Some(a) = pts.first().map(bits) else {
        return false;
    };
    let Some(b) = pts.iter().map(bits).find(|&p| p != a) else {
        return false;
    };
    pts.iter().map(bits).any(|p| p != a && p != b)
}

/// Twice the signed area (> 0 counter-clockwise).
fn signed_area2(pts: &[Coord]) -> f64 {
    if pts.len() < 3 {
        return 0.0;
    }
    let o = pts[0];
    pts.windows(2)
        .map(|w| (w[0].x - o.x) * (w[1].y - o.y) - (w[1].x - o.x) * (w[0].y - o.y))
        .sum()
}

fn geo_line(pts: &[Coord]) -> geo::LineString<f64> {
    geo::LineString(pts.iter().map(|c| geo::Coord { x: c.x, y: c.y }).collect())
}

/// The geometry linearised with chord error `tol`, as a geo geometry
/// (geo closes polygon rings itself). Shared by all geometric rules.
pub fn to_geo(g: &Geometry, tol: f64) -> geo::Geometry<f64> {
    let poly = |p: &Polygon| {
        geo::Polygon::new(
            geo_line(&linearize_curve(&p.exterior, tol)),
            p.interiors
                .iter()
                .map(|r| geo_line(&linearize_curve(r, tol)))
                .collect(),
        )
    };
    match g {
        Geometry::Point(c) => geo::Geometry::Point(geo::Point::new(c.x, c.y)),
        Geometry::MultiPoint(ps) => geo::Geometry::MultiPoint(geo::MultiPoint(
            ps.iter().map(|c| geo::Point::new(c.x, c.y)).collect(),
        )),
        Geometry::Curve(c) => geo::Geometry::LineString(geo_line(&linearize_curve(c, tol))),
        Geometry::MultiCurve(cs) => geo::Geometry::MultiLineString(geo::MultiLineString(
            cs.iter()
                .map(|c| geo_line(&linearize_curve(c, tol)))
                .collect(),
        )),
        Geometry::Polygon(p) => geo::Geometry::Polygon(poly(p)),
        Geometry::MultiSurface(ps) => {
            geo::Geometry::MultiPolygon(geo::MultiPolygon(ps.iter().map(poly).collect()))
        }
    }
}

/// An areal geometry as a geo multi-polygon (None for points and lines).
pub fn to_geo_area(g: &Geometry, tol: f64) -> Option<geo::MultiPolygon<f64>> {
    match to_geo(g, tol) {
        geo::Geometry::Polygon(p) => Some(geo::MultiPolygon(vec![p])),
        geo::Geometry::MultiPolygon(m) => Some(m),
        _ => None,
    }
}

/// Checks one polygon; returns it as a geo polygon (from the rings
/// linearised for the checks) unless a ring is structurally broken.
fn check_polygon(
    p: &Polygon,
    skip_orientation: bool,
    out: &mut Vec<Problem>,
) -> Option<geo::Polygon<f64>> {
    let mut structural = false;
    let mut lin = Vec::new();
    for (i, r) in p.rings().enumerate() {
        let name = ring_name(i);
        check_curve(r, &name, true, out);
        let first = r.segments.first().and_then(Segment::first);
        let last = r.segments.last().and_then(Segment::last);
        if first != last {
            out.push((Level::Error, format!("{name} is not closed"), last));
            structural = true;
        }
        let pts = linearize_curve(r, CHECK_CHORD_ERROR);
        let three_distinct = three_distinct(&pts);
        if !three_distinct {
            out.push((
                Level::Error,
                format!("{name} has fewer than 3 distinct points"),
                first,
            ));
            structural = true;
        }
        if !skip_orientation && three_distinct {
            let a = signed_area2(&pts);
            if i == 0 && a < 0.0 {
                out.push((
                    Level::Error,
                    "exterior ring runs clockwise (must be counter-clockwise)".into(),
                    first,
                ));
            } else if i > 0 && a > 0.0 {
                out.push((
                    Level::Error,
                    format!("{name} runs counter-clockwise (must be clockwise)"),
                    first,
                ));
            }
        }
        lin.push(pts);
    }
    if structural {
        return None;
    }
    let mut rings = lin.iter().map(|r| geo_line(r));
    let gp = geo::Polygon::new(
        rings.next().unwrap_or_else(|| geo::LineString(vec![])),
        rings.collect(),
    );
    // geo's validation tests every pair of edges of a ring; a polygon
    // whose edges cannot meet needs none of it
    let errors = if clearly_valid(&lin) {
        Vec::new()
    } else {
        gp.validation_errors()
    };
    for e in errors {
        let msg = match e {
            InvalidPolygon::TooFewPointsInRing(_) | InvalidPolygon::NonFiniteCoord(..) => continue,
            InvalidPolygon::SelfIntersection(role) => {
                format!("{} intersects or touches itself", role_name(&role))
            }
            InvalidPolygon::InteriorRingNotContainedInExteriorRing(role) => {
                format!("{} is not inside the exterior ring", role_name(&role))
            }
            InvalidPolygon::IntersectingRingsOnALine(a, b) => {
                format!(
                    "{} and {} touch along a line (at most one common point is allowed)",
                    role_name(&a),
                    role_name(&b)
                )
            }
            InvalidPolygon::IntersectingRingsOnAnArea(a, b) => {
                format!("{} and {} cross", role_name(&a), role_name(&b))
            }
        };
        out.push((
            Level::Error,
            msg,
            lin.first().and_then(|r| r.first().copied()),
        ));
    }
    Some(gp)
}

/// True when the rings of a polygon are clearly valid: no two edges can
/// meet except consecutive edges of one ring at their common point
/// ([`segments_may_meet`] for all other pairs of edges whose boxes
/// touch), no edge turns back onto the one before (a spike),
/// and every interior ring lies inside the exterior ring and outside the
/// other interior rings. False means "maybe not valid": geo's exact
/// validation decides.
fn clearly_valid(rings: &[Vec<Coord>]) -> bool {
    if rings.is_empty() || rings.iter().any(|r| r.len() < 4 || r.first() != r.last()) {
        return false;
    }
    // edges as (ring, index in ring, box)
    let mut edges: Vec<(usize, usize, [f64; 4])> = Vec::new();
    for (k, ring) in rings.iter().enumerate() {
        let n = ring.len() - 1;
        for i in 0..n {
            let (a, b, c) = (ring[i], ring[i + 1], ring[(i + 2 - 1) % n + 1]);
            if a == b {
                return false;
            }
            // a spike: c goes back along a-b (sine of the turn about 0, cosine < 0)
            let (ux, uy, vx, vy) = (b.x - a.x, b.y - a.y, c.x - b.x, c.y - b.y);
            let lengths = ux.hypot(uy) * vx.hypot(vy);
            if (ux * vy - uy * vx).abs() <= 1e-9 * lengths && ux * vx + uy * vy < 0.0 {
                return false;
            }
            edges.push((
                k,
                i,
                [a.x.min(b.x), a.y.min(b.y), a.x.max(b.x), a.y.max(b.y)],
            ));
        }
    }
    let segment = |e: &(usize, usize, [f64; 4])| (rings[e.0][e.1], rings[e.0][e.1 + 1]);
    // may edges e and f meet, other than at the point consecutive edges share?
    let may_meet = |e: &(usize, usize, [f64; 4]), f: &(usize, usize, [f64; 4])| {
        if e.0 == f.0 {
            let n = rings[e.0].len() - 1;
            if e.1 == f.1 || e.1 == (f.1 + 1) % n || f.1 == (e.1 + 1) % n {
                return false;
            }
        }
        segments_may_meet(segment(e), segment(f))
    };
    // sweep along x: each edge against the later ones whose x-range
    // starts before its own ends
    let mut by_x = edges;
    by_x.sort_unstable_by(|e, f| e.2[0].total_cmp(&f.2[0]));
    let separate = by_x.iter().enumerate().all(|(i, e)| {
        by_x[i + 1..]
            .iter()
            .take_while(|f| f.2[0] <= e.2[2])
            .all(|f| f.2[1] > e.2[3] || f.2[3] < e.2[1] || !may_meet(e, f))
    });
    if !separate {
        return false;
    }
    // the rings do not meet: each interior ring is inside the exterior and
    // outside the others when one of its points is
    rings[1..].iter().enumerate().all(|(i, hole)| {
        let p = hole[0];
        inside_ring(p, &rings[0])
            && rings[1..]
                .iter()
                .enumerate()
                .all(|(j, other)| j == i || !inside_ring(p, other))
    })
}

/// Whether two segments (a point when both ends are equal) may meet:
/// their boxes touch and neither lies strictly on one side of the other's
/// line (exact orientation tests). False means they are certainly apart.
pub(crate) fn segments_may_meet(p: (Coord, Coord), q: (Coord, Coord)) -> bool {
    let boxes_touch = p.0.x.min(p.1.x) <= q.0.x.max(q.1.x)
        && q.0.x.min(q.1.x) <= p.0.x.max(p.1.x)
        && p.0.y.min(p.1.y) <= q.0.y.max(q.1.y)
        && q.0.y.min(q.1.y) <= p.0.y.max(p.1.y);
    boxes_touch && !(strictly_one_side(p, q) || strictly_one_side(q, p))
}

/// Whether both ends of segment `q` lie strictly on the same side of the
/// line through segment `p` (never for a point `p`).
fn strictly_one_side(p: (Coord, Coord), q: (Coord, Coord)) -> bool {
    use geo::kernels::{Kernel, Orientation, RobustKernel};
    let g = |c: Coord| geo::coord! { x: c.x, y: c.y };
    let a = RobustKernel::orient2d(g(p.0), g(p.1), g(q.0));
    let b = RobustKernel::orient2d(g(p.0), g(p.1), g(q.1));
    a != Orientation::Collinear && a == b
}

/// Whether the ray from `p` towards +x crosses the edge a-b (even-odd
/// counting: a point not on a ring is inside when the count is odd).
fn ray_crosses(p: Coord, a: Coord, b: Coord) -> bool {
    (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x)
}

/// Whether a point that is not on the ring lies inside it (crossing number).
fn inside_ring(p: Coord, ring: &[Coord]) -> bool {
    ring.windows(2)
        .filter(|w| ray_crosses(p, w[0], w[1]))
        .count()
        % 2
        == 1
}

/// An area as i_overlay shapes (rings without the closing point).
pub(crate) type Shapes = Vec<Vec<Vec<[f64; 2]>>>;

pub(crate) fn shapes_of(m: &[geo::Polygon<f64>]) -> Shapes {
    let ring = |r: &geo::LineString<f64>| -> Vec<[f64; 2]> {
        let n = r.0.len().saturating_sub(usize::from(r.is_closed()));
        r.0[..n].iter().map(|c| [c.x, c.y]).collect()
    };
    m.iter()
        .map(|p| {
            std::iter::once(ring(p.exterior()))
                .chain(p.interiors().iter().map(ring))
                .collect()
        })
        .collect()
}

/// i_overlay's exact predicates on two areas (even-odd fill, on an integer
/// grid far finer than the 1 mm sliver tolerance; no overlay is built).
fn predicates(
    a: &Shapes,
    b: &Shapes,
) -> i_overlay::float::relate::FloatPredicateOverlay<[f64; 2], f64> {
    use i_overlay::core::{fill_rule::FillRule, solver::Solver};
    i_overlay::float::relate::FloatPredicateOverlay::with_subj_and_clip_custom(
        a,
        b,
        FillRule::EvenOdd,
        Solver::default(),
    )
}

/// Whether the interiors of two areas meet.
pub(crate) fn interiors_intersect(a: &Shapes, b: &Shapes) -> bool {
    predicates(a, b).interiors_intersect()
}

/// A rectangle grown by `d` on every side.
pub(crate) fn grown(r: &geo::Rect<f64>, d: f64) -> geo::Rect<f64> {
    geo::Rect::new(
        geo::coord! { x: r.min().x - d, y: r.min().y - d },
        geo::coord! { x: r.max().x + d, y: r.max().y + d },
    )
}

/// The parts of an area inside a rectangle (Sutherland–Hodgman per ring:
/// the interior of the result is the interior of the area within the
/// rectangle; edges along the rectangle's sides may be degenerate).
pub(crate) fn clip(s: &Shapes, r: &geo::Rect<f64>) -> Shapes {
    let (lo, hi) = (r.min(), r.max());
    // the four half-planes: (axis, bound, keep the side below the bound)
    let planes = [
        (0, lo.x, false),
        (0, hi.x, true),
        (1, lo.y, false),
        (1, hi.y, true),
    ];
    let clip_ring = |ring: &Vec<[f64; 2]>| -> Vec<[f64; 2]> {
        // a ring wholly beyond the rectangle comes out empty, one within
        // it unchanged (every side skipped below)
        let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in ring {
            for k in 0..2 {
                min[k] = min[k].min(p[k]);
                max[k] = max[k].max(p[k]);
            }
        }
        if max[0] < lo.x || min[0] > hi.x || max[1] < lo.y || min[1] > hi.y {
            return Vec::new();
        }
        // the first side clipped reads the ring itself
        let mut pts: Option<Vec<[f64; 2]>> = None;
        for &(axis, bound, below) in &planes {
            let src: &[[f64; 2]] = pts.as_deref().unwrap_or(ring);
            if src.is_empty() {
                break;
            }
            // a side the whole ring lies within leaves it as it is
            // (clipping only shrinks the ring's box)
            if (below && max[axis] <= bound) || (!below && min[axis] >= bound) {
                continue;
            }
            let inside = |p: &[f64; 2]| {
                if below {
                    p[axis] <= bound
                } else {
                    p[axis] >= bound
                }
            };
            let mut out = Vec::with_capacity(src.len() + 4);
            let mut prev = *src.last().expect("not empty");
            let mut pi = inside(&prev);
            for &p in src {
                let qi = inside(&p);
                if pi != qi {
                    let t = (bound - prev[axis]) / (p[axis] - prev[axis]);
                    let mut x = [
                        prev[0] + t * (p[0] - prev[0]),
                        prev[1] + t * (p[1] - prev[1]),
                    ];
                    x[axis] = bound;
                    out.push(x);
                }
                if qi {
                    out.push(p);
                }
                (prev, pi) = (p, qi);
            }
            pts = Some(out);
        }
        pts.unwrap_or_else(|| ring.clone())
    };
    s.iter()
        .map(|shape| {
            shape
                .iter()
                .map(clip_ring)
                .filter(|r| r.len() >= 3)
                .collect::<Vec<_>>()
        })
        .filter(|shape: &Vec<_>| !shape.is_empty())
        .collect()
}

/// Whether area `a` lies within area `b` (boundaries may touch).
pub(crate) fn within(a: &Shapes, b: &Shapes) -> bool {
    predicates(a, b).within()
}

fn role_name(r: &geo::algorithm::validation::RingRole) -> String {
    use geo::algorithm::validation::RingRole;
    match r {
        RingRole::Exterior => "exterior ring".into(),
        RingRole::Interior(i) => format!("interior ring {}", i + 1),
    }
}

/// Every document-local xlink:href resolves to a feature; non-local
/// references are reported (only document-local links are supported).
pub fn check_xlinks(doc: &Document) -> Vec<Finding> {
    let ids: HashSet<&str> = doc.features.iter().map(|f| f.gml_id.as_str()).collect();
    let mut out = Vec::new();
    for f in &doc.features {
        for r in &f.references {
            match r.local_target() {
                Some(t) if ids.contains(t) => {}
                Some(t) => out.push(Finding {
                    rule: RULE_XLINK.into(),
                    level: Level::Error,
                    message: format!(
                        "{} '{}': {} references '#{t}', which is not in the document",
                        f.feature_type, f.gml_id, r.property
                    ),
                    gml_ids: vec![f.gml_id.clone()],
                    line: Some(f.line),
                    location: None,
                }),
                None => out.push(Finding {
                    rule: RULE_XLINK.into(),
                    level: Level::Error,
                    message: format!(
                        "{} '{}': {} references '{}', but only document-local references (#id) are supported",
                        f.feature_type, f.gml_id, r.property, r.href
                    ),
                    gml_ids: vec![f.gml_id.clone()],
                    line: Some(f.line),
                    location: None,
                }),
            }
        }
    }
    out
}

#[cfg(test)]
mod simple_ring_tests {
    use super::*;

    /// A closed ring of `n` points on a circle of radius 10 around (x, y).
    fn circle(n: usize, x: f64, y: f64) -> Vec<Coord> {
        let mut r: Vec<Coord> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                Coord::new(x + 10.0 * t.cos(), y + 10.0 * t.sin())
            })
            .collect();
        r.push(r[0]);
        r
    }

    /// On every polygon of the fixture plans: where the pre-check says
    /// "clearly valid", geo's full validation agrees.
    #[test]
    fn the_pre_check_agrees_with_geo_on_the_fixture_plans() {
        let (mut clear, mut total) = (0, 0);
        for (path, doc) in crate::validate::fixture_documents() {
            for g in doc.features.iter().flat_map(|f| &f.geometries) {
                let polygons: &[Polygon] = match &g.geometry.geometry {
                    Geometry::Polygon(p) => std::slice::from_ref(p),
                    Geometry::MultiSurface(ps) => ps,
                    _ => &[],
                };
                for p in polygons {
                    let lin: Vec<Vec<Coord>> = p
                        .rings()
                        .map(|r| linearize_curve(r, CHECK_CHORD_ERROR))
                        .collect();
                    total += 1;
                    // (geo's test is quadratic: the largest rings are left
                    // to the synthetic tests below, debug builds are slow)
                    if !clearly_valid(&lin) {
                        continue;
                    }
                    clear += 1;
                    if lin.iter().map(Vec::len).sum::<usize>() <= 200 {
                        let mut rings = lin.iter().map(|r| geo_line(r));
                        let gp = geo::Polygon::new(rings.next().unwrap(), rings.collect());
                        assert!(
                            gp.validation_errors().is_empty(),
                            "{}: {:?}",
                            path.display(),
                            gp.validation_errors()
                        );
                    }
                }
            }
        }
        // most real polygons take the fast path
        assert!(total > 1000 && clear * 10 > total * 9, "{clear} of {total}");
    }

    #[test]
    fn clipping_keeps_the_area_inside_the_rectangle() {
        use geo::{Area, BooleanOps};
        // a square with a hole, clipped to a rectangle across the hole
        let poly = geo::Polygon::new(
            geo::LineString::from(vec![
                (0.0, 0.0),
                (10.0, 0.0),
                (10.0, 10.0),
                (0.0, 10.0),
                (0.0, 0.0),
            ]),
            vec![geo::LineString::from(vec![
                (4.0, 4.0),
                (4.0, 6.0),
                (6.0, 6.0),
                (6.0, 4.0),
                (4.0, 4.0),
            ])],
        );
        let r = geo::Rect::new(
            geo::coord! { x: 5.0, y: -1.0 },
            geo::coord! { x: 12.0, y: 5.0 },
        );
        let clipped = clip(&shapes_of(std::slice::from_ref(&poly)), &r);
        let as_geo = geo::MultiPolygon(
            clipped
                .iter()
                .map(|s| {
                    let ring = |r: &Vec<[f64; 2]>| {
                        geo::LineString::from(r.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>())
                    };
                    geo::Polygon::new(ring(&s[0]), s[1..].iter().map(ring).collect())
                })
                .collect(),
        );
        let expected = poly.intersection(&r.to_polygon()).unsigned_area();
        assert!((as_geo.unsigned_area() - expected).abs() < 1e-9);
        assert!((expected - 24.0).abs() < 1e-9);
        // the predicates on clipped shapes
        let square = |x0: f64, y0: f64, d: f64| {
            vec![vec![vec![
                [x0, y0],
                [x0 + d, y0],
                [x0 + d, y0 + d],
                [x0, y0 + d],
            ]]]
        };
        assert!(within(
            &square(1.0, 1.0, 1.0),
            &clipped_or(&poly, 0.0, 0.0, 3.0)
        ));
        assert!(!within(
            &square(4.5, 4.5, 1.0),
            &shapes_of(std::slice::from_ref(&poly))
        ));
        assert!(interiors_intersect(
            &square(9.0, 9.0, 2.0),
            &shapes_of(std::slice::from_ref(&poly))
        ));
        assert!(!interiors_intersect(
            &square(10.0, 0.0, 2.0),
            &shapes_of(std::slice::from_ref(&poly))
        ));
        assert!(!interiors_intersect(
            &square(4.5, 4.5, 1.0),
            &shapes_of(std::slice::from_ref(&poly))
        ));
    }

    fn clipped_or(p: &geo::Polygon<f64>, x0: f64, y0: f64, d: f64) -> Shapes {
        let r = geo::Rect::new(
            geo::coord! { x: x0, y: y0 },
            geo::coord! { x: x0 + d, y: y0 + d },
        );
        clip(&shapes_of(std::slice::from_ref(p)), &r)
    }

    #[test]
    fn three_distinct_points() {
        let (a, b, c) = (
            Coord::new(0.0, 0.0),
            Coord::new(1.0, 0.0),
            Coord::new(0.0, 1.0),
        );
        assert!(!three_distinct(&[]));
        assert!(!three_distinct(&[a, a, a, a]));
        assert!(!three_distinct(&[a, b, a, b, a]));
        assert!(three_distinct(&[a, b, b, c, a]));
        assert!(three_distinct(&[a, a, b, c]));
        // as written: -0 and 0 are two points
        assert!(three_distinct(&[a, b, Coord::new(-0.0, 0.0)]));
    }

    #[test]
    fn only_polygons_whose_edges_cannot_meet_are_clearly_valid() {
        let c = circle(64, 565_000.0, 5_940_000.0);
        assert!(clearly_valid(std::slice::from_ref(&c)));
        assert!(clearly_valid(&[circle(16, 0.0, 0.0)]));
        // a triangle and a square
        let tri = vec![
            Coord::new(0.0, 0.0),
            Coord::new(1.0, 0.0),
            Coord::new(0.0, 1.0),
            Coord::new(0.0, 0.0),
        ];
        assert!(clearly_valid(&[tri]));
        // point 40 (at 225°) moved out beyond the far side: its edges cross the ring
        let mut eight = c.clone();
        eight[40] = Coord::new(565_000.0 + 11.0, 5_940_000.0);
        assert!(!clearly_valid(&[eight.clone()]));
        // a spike back along the previous edge
        let mut spike = c.clone();
        let (a, b) = (spike[10], spike[11]);
        spike.insert(
            12,
            Coord::new(a.x + (b.x - a.x) * 0.5, a.y + (b.y - a.y) * 0.5),
        );
        assert!(!clearly_valid(&[spike]));
        // a repeated point
        let mut twice = c.clone();
        twice.insert(5, c[5]);
        assert!(!clearly_valid(&[twice]));
        // holes: inside and apart is valid; outside the exterior, inside
        // another hole or touching the exterior is for the exact test
        let outer = circle(64, 0.0, 0.0);
        let hole = |x: f64, y: f64| {
            let mut h: Vec<Coord> = circle(8, 0.0, 0.0)
                .iter()
                .map(|p| Coord::new(x + p.x / 10.0, y + p.y / 10.0))
                .collect();
            h.reverse();
            h
        };
        assert!(clearly_valid(&[
            outer.clone(),
            hole(-3.0, 0.0),
            hole(3.0, 0.0)
        ]));
        assert!(!clearly_valid(&[outer.clone(), hole(30.0, 0.0)]));
        let big: Vec<Coord> = circle(8, 0.0, 0.0)
            .iter()
            .map(|p| Coord::new(p.x / 2.0, p.y / 2.0))
            .rev()
            .collect();
        assert!(!clearly_valid(&[outer.clone(), big, hole(0.5, 0.0)]));
        assert!(!clearly_valid(&[outer.clone(), hole(9.5, 0.0)]));
        // and geo agrees where we say "valid"
        let gp = geo::Polygon::new(geo_line(&c), vec![]);
        assert!(gp.validation_errors().is_empty());
        let gh = geo::Polygon::new(
            geo_line(&outer),
            vec![geo_line(&hole(-3.0, 0.0)), geo_line(&hole(3.0, 0.0))],
        );
        assert!(gh.validation_errors().is_empty());
        let ge = geo::Polygon::new(geo_line(&eight), vec![]);
        assert!(!ge.validation_errors().is_empty());
    }
}
