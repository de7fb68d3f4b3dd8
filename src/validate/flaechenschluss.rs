//! Rule 2.2.1.1 Flächenschlussbedingung.
//!
//! Flächenschlussobjekte (areal position, `ebene` 0 or unset,
//! `flaechenschluss` true) of a plan must not overlap and must cover the
//! plan's raeumlicherGeltungsbereich and the geltungsbereich of each
//! Bereich that has one. Overlaps and gaps that vanish under a negative
//! buffer of 1 mm are ignored. Gaps are warnings up to 5.4 and errors from
//! 6.0; overlaps are errors. Objects of Bereiche with bedeutung 1800
//! (Kompensationsbereich) or 2000 are not considered; landscape plans (LP)
//! and Änderungspläne (aendertPlan / aendertPlanBereich) are exempt.
//! Where two Flächenschlussobjekte touch they must have identical vertices
//! ("jeweils identische Stützpunkte", two points being identical closer
//! than 2 mm): a vertex of one that lies on the boundary of the other
//! without a vertex of the other there is reported as a warning, not an
//! error: xPlanBox accepts plans with such vertices (BP_5.3 and
//! Test_Luecke among its test plans), and the overlap and gap checks
//! already treat points closer than 2 mm as identical.

use super::geltungsbereich::CHORD;
use super::geometry::{clip, grown, interiors_intersect, shapes_of, to_geo_area, Shapes};
use super::{Finding, Level};
use crate::gml::{Bbox, Coord};
use crate::xplan::{Document, Feature, PlanData, PlanType, Version};
use geo::{Area, BooleanOps, BoundingRect, Buffer, Centroid, Intersects};
use rayon::prelude::*;
use rstar::primitives::Line;

pub const RULE: &str = "2.2.1.1";
/// Half the 2 mm identity tolerance: slivers thinner than this are ignored.
const SLIVER: f64 = 0.001;
/// Two points closer than this are identical.
const IDENTICAL: f64 = 0.002;

fn is_flaechenschluss_object(f: &Feature) -> Option<geo::MultiPolygon<f64>> {
    if f.bool("flaechenschluss") != Some(true) || f.int("ebene").unwrap_or(0) != 0 {
        return None;
    }
    area_of(f, "position")
}

fn area_of(f: &Feature, property: &str) -> Option<geo::MultiPolygon<f64>> {
    to_geo_area(&f.geometry(property)?.geometry.geometry, CHORD)
}

/// Parts of `m` that survive a negative buffer of 1 mm (also the overlap
/// test of rule 4.5.2.4).
fn significant(m: &geo::MultiPolygon<f64>) -> Vec<geo::Polygon<f64>> {
    m.0.iter()
        .filter(|p| p.unsigned_area() > 0.0 && !p.buffer(-SLIVER).0.is_empty())
        .cloned()
        .collect()
}

fn at(p: &geo::Polygon<f64>) -> Option<[f64; 2]> {
    p.centroid().map(|c| [c.x(), c.y()])
}

/// An area with its i_overlay shapes and bounding box, for
/// [`significant_overlap`].
pub(crate) type AreaRef<'a> = (&'a geo::MultiPolygon<f64>, &'a Shapes, geo::Rect<f64>);

/// The common area of `a` and `b` when a part of it survives a negative
/// buffer of 1 mm: the intersection and its first such part. The
/// intersection is computed only where the interiors meet (exact test on
/// both areas clipped to their common box grown by 1 cm): most pairs whose
/// boxes touch only share boundaries.
pub(crate) fn significant_overlap(
    a: AreaRef,
    b: AreaRef,
) -> Option<(geo::MultiPolygon<f64>, geo::Polygon<f64>)> {
    if !a.2.intersects(&b.2) {
        return None;
    }
    let r = grown(&common(&a.2, &b.2), 0.01);
    let (ca, cb) = (clip(a.1, &r), clip(b.1, &r));
    // parts whose boxes only touch (or are empty) cannot share interior
    let box_of = |s: &Shapes| {
        Bbox::of(
            s.iter()
                .flatten()
                .flatten()
                .map(|p| Coord { x: p[0], y: p[1] }),
        )
    };
    if !box_of(&ca).overlaps(&box_of(&cb)) {
        return None;
    }
    if !interiors_intersect(&ca, &cb) {
        return None;
    }
    let inter = a.0.intersection(b.0);
    let first = significant(&inter).into_iter().next()?;
    Some((inter, first))
}

/// The common part of two intersecting rectangles.
fn common(a: &geo::Rect<f64>, b: &geo::Rect<f64>) -> geo::Rect<f64> {
    geo::Rect::new(
        geo::coord! { x: a.min().x.max(b.min().x), y: a.min().y.max(b.min().y) },
        geo::coord! { x: a.max().x.min(b.max().x), y: a.max().y.min(b.max().y) },
    )
}

/// Cascaded union (much faster than folding for thousands of areas).
fn union_of(parts: &[&geo::MultiPolygon<f64>]) -> geo::MultiPolygon<f64> {
    let polys: Vec<&geo::Polygon<f64>> = parts.iter().flat_map(|m| m.0.iter()).collect();
    geo::unary_union(polys)
}

pub fn check(doc: &Document, plans: &[PlanData]) -> Vec<Finding> {
    let gap_level = if doc.version >= Version::V6_0 {
        Level::Error
    } else {
        Level::Warning
    };
    // plans in parallel (a document may hold many), each in parallel inside
    plans
        .par_iter()
        .map(|pd| check_plan(doc, pd, gap_level))
        .collect::<Vec<_>>()
        .concat()
}

fn check_plan(doc: &Document, pd: &PlanData, gap_level: Level) -> Vec<Finding> {
    let mut out = Vec::new();
    let plan = &doc.features[pd.plan];
    if pd.plan_type == PlanType::LP
        || plan.refs("aendertPlan").next().is_some()
        || plan.properties.contains_key("aendertPlan")
    {
        return out;
    }
    let exempt_bereich = |id: &str| {
        pd.bereiche.iter().any(|&b| {
            let f = &doc.features[b];
            f.gml_id == id
                && (matches!(f.int("bedeutung"), Some(1800) | Some(2000))
                    || f.properties.contains_key("aendertPlanBereich"))
        })
    };
    // All Flächenschlussobjekte; those of exempt Bereiche (1800/2000)
    // count for their own Bereich only, not for the plan.
    let objects: Vec<(usize, geo::MultiPolygon<f64>)> = pd
        .members
        .par_iter()
        .filter(|&&i| i != pd.plan && !pd.bereiche.contains(&i))
        .filter_map(|&i| is_flaechenschluss_object(&doc.features[i]).map(|m| (i, m)))
        .collect();
    if objects.is_empty() {
        return out;
    }
    // 1. no overlaps (candidate pairs by bounding box; the overlap is
    // computed only where the interiors meet)
    let rects: Vec<Option<geo::Rect<f64>>> =
        objects.iter().map(|(_, m)| m.bounding_rect()).collect();
    let shapes: Vec<Shapes> = objects.par_iter().map(|(_, m)| shapes_of(&m.0)).collect();
    let overlaps: Vec<Finding> = (0..objects.len())
        .into_par_iter()
        .flat_map_iter(|a| {
            let mut found = Vec::new();
            for b in a + 1..objects.len() {
                let (Some(ra), Some(rb)) = (rects[a], rects[b]) else {
                    continue;
                };
                if let Some((inter, p)) = significant_overlap(
                    (&objects[a].1, &shapes[a], ra),
                    (&objects[b].1, &shapes[b], rb),
                ) {
                    let (fa, fb) = (&doc.features[objects[a].0], &doc.features[objects[b].0]);
                    let (level, why) = match in_force_together(fa, fb) {
                        Some(true) => (Level::Error, ""),
                        Some(false) => continue,
                        None => (
                            Level::Warning,
                            ": their startBedingung/endeBedingung may keep them from being in force at the same time, which the document does not decide (no absolute dates)",
                        ),
                    };
                    found.push(Finding {
                        rule: RULE.into(),
                        level,
                        message: format!(
                            "Flächenschlussobjekte {} '{}' and {} '{}' overlap ({:.3} m²){why}",
                            fa.feature_type,
                            fa.gml_id,
                            fb.feature_type,
                            fb.gml_id,
                            inter.unsigned_area()
                        ),
                        gml_ids: vec![fa.gml_id.clone(), fb.gml_id.clone()],
                        line: Some(fa.line),
                        location: at(&p),
                    });
                }
            }
            found
        })
        .collect();
    out.extend(overlaps);
    // 2. identical vertices where the objects touch
    out.extend(vertex_identity(doc, &objects));
    // 3. coverage of the plan's and the Bereiche's Geltungsbereich
    let for_plan: Vec<&geo::MultiPolygon<f64>> = objects
        .iter()
        .filter(|(i, _)| !pd.bereich_of.get(i).is_some_and(|b| exempt_bereich(b)))
        .map(|(_, m)| m)
        .collect();
    let mut targets: Vec<(&Feature, geo::MultiPolygon<f64>, geo::MultiPolygon<f64>)> = Vec::new();
    if let Some(gb) = area_of(plan, "raeumlicherGeltungsbereich") {
        if !for_plan.is_empty() {
            targets.push((plan, gb, union_of(&for_plan)));
        }
    }
    for &b in &pd.bereiche {
        let f = &doc.features[b];
        let Some(gb) = area_of(f, "geltungsbereich") else {
            continue;
        };
        let mine: Vec<&geo::MultiPolygon<f64>> = objects
            .iter()
            .filter(|(i, _)| pd.bereich_of.get(i) == Some(&f.gml_id))
            .map(|(_, m)| m)
            .collect();
        if mine.is_empty() {
            continue;
        }
        targets.push((f, gb, union_of(&mine)));
    }
    for (owner, gb, covered) in targets {
        let overhangs = significant(&covered.difference(&gb))
            .into_iter()
            .map(|p| (p, "extend beyond"));
        let gaps = significant(&gb.difference(&covered))
            .into_iter()
            .map(|p| (p, "leave a gap in"));
        for (part, what) in overhangs.chain(gaps) {
            out.push(Finding {
                rule: RULE.into(),
                level: gap_level,
                message: format!(
                    "the Flächenschlussobjekte {what} the Geltungsbereich of {} '{}' ({:.3} m²)",
                    owner.feature_type,
                    owner.gml_id,
                    part.unsigned_area()
                ),
                gml_ids: vec![owner.gml_id.clone()],
                line: Some(owner.line),
                location: at(&part),
            });
        }
    }
    out
}

/// When a BPlan object is in force, after its startBedingung and
/// endeBedingung (XP_WirksamkeitBedingung, BP_WirksamkeitBedingung in 4.1).
#[derive(Debug, PartialEq)]
enum InForce {
    /// No condition.
    Always,
    /// From the start date (inclusive) to the end date (exclusive); None
    /// is open. Dates are xs:date, compared as text (YYYY-MM-DD).
    Between(Option<String>, Option<String>),
    /// A condition in words or a relative date: cannot be compared.
    Undecided,
}

fn in_force(f: &Feature) -> InForce {
    if !f.feature_type.starts_with("BP_") {
        return InForce::Always;
    }
    // a condition: None when absent (or empty), Some(None) when it is not
    // an absolute date alone
    let date = |name: &str| -> Option<Option<String>> {
        let o = f.properties.get(name)?.as_object()?;
        let text = |k: &str| {
            o.get(k)
                .and_then(|v| v.as_str())
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let absolute = text("datumAbsolut");
        let other = text("bedingung").is_some() || text("datumRelativ").is_some();
        match (absolute, other) {
            (None, false) => None,
            (Some(d), false) => Some(Some(d.to_string())),
            (_, true) => Some(None),
        }
    };
    match (date("startBedingung"), date("endeBedingung")) {
        (None, None) => InForce::Always,
        (Some(None), _) | (_, Some(None)) => InForce::Undecided,
        (start, end) => InForce::Between(start.flatten(), end.flatten()),
    }
}

/// Whether two Flächenschlussobjekte are in force at the same time: the
/// overlap rule exempts BPlan objects whose conditions keep them apart
/// (2.2.1.1). None when the conditions cannot be compared.
fn in_force_together(a: &Feature, b: &Feature) -> Option<bool> {
    let period = |f: &Feature| match in_force(f) {
        InForce::Always => Some((None, None)),
        InForce::Between(s, e) => Some((s, e)),
        InForce::Undecided => None,
    };
    let ((sa, ea), (sb, eb)) = (period(a)?, period(b)?);
    let ends_before = |end: &Option<String>, start: &Option<String>| match (end, start) {
        (Some(e), Some(s)) => e <= s,
        _ => false,
    };
    Some(!(ends_before(&ea, &sb) || ends_before(&eb, &sa)))
}

/// A uniform grid over line segments for "which segments pass within
/// `margin` of this point": each cell lists the segments whose
/// `margin`-neighbourhood meets it (column by column along the segment,
/// not its whole bounding box). Far cheaper to build and ask than an
/// R-tree for the many short edges of a plan.
struct SegmentGrid {
    x0: f64,
    y0: f64,
    cell: f64,
    cols: usize,
    rows: usize,
    margin: f64,
    /// Cell c lists items[start[c]..start[c + 1]].
    start: Vec<u32>,
    items: Vec<u32>,
}

impl SegmentGrid {
    fn new(
        segments: impl Iterator<Item = ([f64; 2], [f64; 2])> + Clone,
        n: usize,
        margin: f64,
    ) -> SegmentGrid {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (a, b) in segments.clone() {
            x0 = x0.min(a[0]).min(b[0]);
            y0 = y0.min(a[1]).min(b[1]);
            x1 = x1.max(a[0]).max(b[0]);
            y1 = y1.max(a[1]).max(b[1]);
        }
        if n == 0 || !(x0 <= x1 && y0 <= y1) {
            return SegmentGrid {
                x0: 0.0,
                y0: 0.0,
                cell: 1.0,
                cols: 1,
                rows: 1,
                margin,
                start: vec![0, 0],
                items: Vec::new(),
            };
        }
        let (x0, y0) = (x0 - margin, y0 - margin);
        let (w, h) = (x1 + margin - x0, y1 + margin - y0);
        // about one cell per segment
        let cell = ((w * h) / n as f64)
            .sqrt()
            .max(w.max(h) / 4096.0)
            .max(4.0 * margin);
        let cols = ((w / cell) as usize + 1).max(1);
        let rows = ((h / cell) as usize + 1).max(1);
        let mut grid = SegmentGrid {
            x0,
            y0,
            cell,
            cols,
            rows,
            margin,
            start: vec![0; cols * rows + 1],
            items: Vec::new(),
        };
        // counting sort: counts -> starts -> fill
        let mut counts = vec![0u32; cols * rows];
        for (a, b) in segments.clone() {
            grid.cells_of(a, b, |c| counts[c] += 1);
        }
        let mut sum = 0u32;
        for (c, n) in counts.iter().enumerate() {
            grid.start[c] = sum;
            sum += n;
        }
        grid.start[cols * rows] = sum;
        let mut items = vec![0; sum as usize];
        let mut fill = grid.start[..cols * rows].to_vec();
        for (i, (a, b)) in segments.enumerate() {
            grid.cells_of(a, b, |c| {
                items[fill[c] as usize] = i as u32;
                fill[c] += 1;
            });
        }
        grid.items = items;
        grid
    }

    fn col(&self, x: f64) -> usize {
        (((x - self.x0) / self.cell).max(0.0) as usize).min(self.cols - 1)
    }

    fn row(&self, y: f64) -> usize {
        (((y - self.y0) / self.cell).max(0.0) as usize).min(self.rows - 1)
    }

    /// Calls `f` with every cell the segment's margin-neighbourhood meets
    /// (possibly a few more).
    fn cells_of(&self, a: [f64; 2], b: [f64; 2], mut f: impl FnMut(usize)) {
        let m = self.margin;
        let (c0, c1) = (self.col(a[0].min(b[0]) - m), self.col(a[0].max(b[0]) + m));
        for c in c0..=c1 {
            // the part of the segment within this column (grown by the margin)
            let (sx0, sx1) = (
                self.x0 + c as f64 * self.cell - m,
                self.x0 + (c + 1) as f64 * self.cell + m,
            );
            let (ylo, yhi) = if a[0] == b[0] {
                (a[1].min(b[1]), a[1].max(b[1]))
            } else {
                let y_at = |x: f64| {
                    let t = ((x - a[0]) / (b[0] - a[0])).clamp(0.0, 1.0);
                    a[1] + t * (b[1] - a[1])
                };
                let (ya, yb) = (y_at(sx0), y_at(sx1));
                (ya.min(yb), ya.max(yb))
            };
            for r in self.row(ylo - m)..=self.row(yhi + m) {
                f(r * self.cols + c);
            }
        }
    }

    /// Indexes of the segments that may pass within the margin of `p`
    /// (a segment can be listed twice).
    fn near(&self, p: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        let m = self.margin;
        let (c0, c1) = (self.col(p[0] - m), self.col(p[0] + m));
        let (r0, r1) = (self.row(p[1] - m), self.row(p[1] + m));
        (r0..=r1).flat_map(move |r| {
            (c0..=c1).flat_map(move |c| {
                let k = r * self.cols + c;
                self.items[self.start[k] as usize..self.start[k + 1] as usize]
                    .iter()
                    .map(|&i| i as usize)
            })
        })
    }
}

/// The control points of the rings of an areal geometry (arc points
/// included: a neighbour sharing the arc has them too).
fn control_points(g: &crate::gml::Geometry) -> Vec<[f64; 2]> {
    let polygons: &[crate::gml::Polygon] = match g {
        crate::gml::Geometry::Polygon(p) => std::slice::from_ref(p),
        crate::gml::Geometry::MultiSurface(ps) => ps,
        _ => &[],
    };
    polygons
        .iter()
        .flat_map(|p| p.rings())
        .flat_map(|r| r.control_points())
        .map(|c| [c.x, c.y])
        .collect()
}

/// Vertices of one object that lie on another's boundary (closer than
/// 2 mm to one of its edges) where the other has no vertex within 2 mm:
/// one finding per pair of objects, at the first such vertex.
fn vertex_identity(doc: &Document, objects: &[(usize, geo::MultiPolygon<f64>)]) -> Vec<Finding> {
    use rstar::PointDistance;
    let d2 = IDENTICAL * IDENTICAL;
    let points: Vec<Vec<[f64; 2]>> = objects
        .par_iter()
        .map(|(i, _)| {
            doc.features[*i]
                .geometry("position")
                .map(|g| control_points(&g.geometry.geometry))
                .unwrap_or_default()
        })
        .collect();
    // each object's control points sorted by x, for "has a vertex near"
    let sorted: Vec<Vec<[f64; 2]>> = points
        .par_iter()
        .map(|ps| {
            let mut ps = ps.clone();
            ps.sort_unstable_by(|a, b| a[0].total_cmp(&b[0]));
            ps
        })
        .collect();
    let has_vertex_near = |k: usize, v: &[f64; 2]| {
        let ps = &sorted[k];
        let from = ps.partition_point(|p| p[0] < v[0] - IDENTICAL);
        ps[from..]
            .iter()
            .take_while(|p| p[0] <= v[0] + IDENTICAL)
            .any(|p| p.distance_2(v) < d2)
    };
    // the edges as drawn (arcs linearised), with their object
    let edges: Vec<([f64; 2], [f64; 2], usize)> = objects
        .iter()
        .enumerate()
        .flat_map(|(k, (_, m))| {
            m.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .flat_map(|ring| ring.lines())
                .map(move |l| ([l.start.x, l.start.y], [l.end.x, l.end.y], k))
        })
        .collect();
    let grid = SegmentGrid::new(edges.iter().map(|e| (e.0, e.1)), edges.len(), IDENTICAL);
    (0..objects.len())
        .into_par_iter()
        .flat_map_iter(|a| {
            // other object -> (first vertex, number of vertices)
            let mut missing: Vec<(usize, [f64; 2], usize)> = Vec::new();
            let mut near: Vec<usize> = Vec::new();
            for v in &points[a] {
                near.clear();
                near.extend(grid.near(*v).filter_map(|i| {
                    let (p, q, k) = edges[i];
                    (k != a && Line::new(p, q).distance_2(v) < d2).then_some(k)
                }));
                near.sort_unstable();
                near.dedup();
                for &b in &near {
                    if has_vertex_near(b, v) {
                        continue;
                    }
                    match missing.iter_mut().find(|m| m.0 == b) {
                        Some(m) => m.2 += 1,
                        None => missing.push((b, *v, 1)),
                    }
                }
            }
            missing.into_iter().map(move |(b, at, n)| (a, b, at, n))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|(a, b, at, n)| {
            let (fa, fb) = (&doc.features[objects[a].0], &doc.features[objects[b].0]);
            Finding {
                rule: RULE.into(),
                level: Level::Warning,
                message: format!(
                    "{} '{}' has {n} vertex(es) on the boundary of {} '{}' where that has none (first at {:.3} {:.3}): touching Flächenschlussobjekte need identical vertices (within 2 mm)",
                    fa.feature_type, fa.gml_id, fb.feature_type, fb.gml_id, at[0], at[1]
                ),
                gml_ids: vec![fa.gml_id.clone(), fb.gml_id.clone()],
                line: Some(fa.line),
                location: Some(at),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polygon(id: &str, coords: &str) -> String {
        format!(
            r#"<gml:Polygon gml:id="{id}_g" srsName="EPSG:25832"><gml:exterior><gml:LinearRing><gml:posList>{coords}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"#
        )
    }

    /// A plan 0..20 x 0..10 covered by a (0..10) and b (10..20); `a_extra`
    /// and `b_extra` are vertices on the shared edge x = 10.
    fn findings(a_extra: &str, b_extra: &str) -> Vec<Finding> {
        findings_of(
            &format!("0 0 10 0 {a_extra} 10 10 0 10 0 0"),
            &format!("10 0 20 0 20 10 10 10 {b_extra} 10 0"),
        )
    }

    /// The findings for a plan 0..20 x 0..10 with two objects a and b.
    fn findings_of(a: &str, b: &str) -> Vec<Finding> {
        let ns = Version::V5_4.namespace();
        let a = polygon("a", a);
        let b = polygon("b", b);
        let gb = polygon("p", "0 0 20 0 20 10 0 10 0 0");
        let area = |id: &str, g: &str| {
            format!(
                r##"<gml:featureMember><xplan:BP_BaugebietsTeilFlaeche gml:id="{id}"><xplan:gehoertZuBereich xlink:href="#bereich"/><xplan:rechtscharakter>1000</xplan:rechtscharakter><xplan:position>{g}</xplan:position><xplan:flaechenschluss>true</xplan:flaechenschluss></xplan:BP_BaugebietsTeilFlaeche></gml:featureMember>"##
            )
        };
        let xml = format!(
            r##"<xplan:XPlanAuszug xmlns:xplan="{ns}" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xlink="http://www.w3.org/1999/xlink" gml:id="root">
<gml:boundedBy><gml:Envelope srsName="EPSG:25832"><gml:lowerCorner>0 0</gml:lowerCorner><gml:upperCorner>20 10</gml:upperCorner></gml:Envelope></gml:boundedBy>
<gml:featureMember><xplan:BP_Plan gml:id="plan"><xplan:name>T</xplan:name><xplan:raeumlicherGeltungsbereich>{gb}</xplan:raeumlicherGeltungsbereich><xplan:bereich xlink:href="#bereich"/></xplan:BP_Plan></gml:featureMember>
<gml:featureMember><xplan:BP_Bereich gml:id="bereich"><xplan:nummer>0</xplan:nummer><xplan:gehoertZuPlan xlink:href="#plan"/></xplan:BP_Bereich></gml:featureMember>
{}{}
</xplan:XPlanAuszug>"##,
            area("a", &a),
            area("b", &b)
        );
        let doc = crate::xplan::parse_document(xml).unwrap();
        let plans = crate::xplan::split_plans(&doc).unwrap();
        check(&doc, &plans)
    }

    fn feature(xml: &str) -> Feature {
        let doc = crate::xplan::parse_document(format!(
            r#"<xplan:XPlanAuszug xmlns:xplan="{}" xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="r"><gml:featureMember>{xml}</gml:featureMember></xplan:XPlanAuszug>"#,
            Version::V5_4.namespace()
        ))
        .unwrap();
        doc.features[0].clone()
    }

    fn bedingung(start: &str, end: &str) -> Feature {
        let cond = |name: &str, content: &str| {
            if content.is_empty() {
                format!("<xplan:{name}/>")
            } else {
                format!("<xplan:{name}><xplan:XP_WirksamkeitBedingung>{content}</xplan:XP_WirksamkeitBedingung></xplan:{name}>")
            }
        };
        feature(&format!(
            r#"<xplan:BP_BaugebietsTeilFlaeche gml:id="f">{}{}</xplan:BP_BaugebietsTeilFlaeche>"#,
            cond("startBedingung", start),
            cond("endeBedingung", end)
        ))
    }

    #[test]
    fn start_and_end_conditions_decide_whether_overlaps_count() {
        let date = |d: &str| format!("<xplan:datumAbsolut>{d}</xplan:datumAbsolut>");
        let always = bedingung("", "");
        assert_eq!(in_force(&always), InForce::Always);
        let until_2020 = bedingung("", &date("2020-01-01"));
        let from_2020 = bedingung(&date("2020-01-01"), "");
        let from_2019 = bedingung(&date("2019-06-01"), "");
        let in_words = bedingung(
            "<xplan:bedingung>nach Rückbau der Halle</xplan:bedingung>",
            "",
        );
        assert_eq!(in_force(&in_words), InForce::Undecided);
        assert_eq!(in_force_together(&always, &always), Some(true));
        assert_eq!(in_force_together(&until_2020, &from_2020), Some(false));
        assert_eq!(in_force_together(&from_2020, &until_2020), Some(false));
        assert_eq!(in_force_together(&until_2020, &from_2019), Some(true));
        assert_eq!(in_force_together(&until_2020, &always), Some(true));
        assert_eq!(in_force_together(&in_words, &always), None);
        // only objects of the BPlan schema are exempt
        let fp = feature(&format!(
            r#"<xplan:FP_BebauungsFlaeche gml:id="f"><xplan:endeBedingung><xplan:XP_WirksamkeitBedingung>{}</xplan:XP_WirksamkeitBedingung></xplan:endeBedingung></xplan:FP_BebauungsFlaeche>"#,
            date("2020-01-01")
        ));
        assert_eq!(in_force(&fp), InForce::Always);
    }

    #[test]
    fn overlaps_are_found_where_interiors_meet_and_slivers_are_ignored() {
        let overlap = |f: &[Finding]| f.iter().filter(|f| f.message.contains("overlap")).count();
        // touching along x = 10: no overlap
        assert_eq!(overlap(&findings("", "")), 0);
        // b reaches 1 m into a
        let f = findings_of("0 0 10 0 10 10 0 10 0 0", "9 0 20 0 20 10 9 10 9 0");
        assert_eq!(overlap(&f), 1, "{f:?}");
        assert_eq!(f[0].level, Level::Error);
        assert!(f[0].message.contains("(10.000 m²)"), "{}", f[0].message);
        // b reaches 0.5 mm into a: a sliver, ignored
        let f = findings_of(
            "0 0 10 0 10 10 0 10 0 0",
            "9.9995 0 20 0 20 10 9.9995 10 9.9995 0",
        );
        assert_eq!(overlap(&f), 0, "{f:?}");
        // a small square of b inside a, far from the rectangles' common edge
        let f = findings_of(
            "0 0 10 0 10 10 0 10 0 0",
            "2 2 3 2 3 3 20 3 20 0 10 0 10 2.5 2 2.5 2 2",
        );
        assert_eq!(overlap(&f), 1, "{f:?}");
    }

    #[test]
    fn extreme_coordinates_neither_panic_nor_hang() {
        for big in ["1e300", "1e15", "1e-300", "-1e300"] {
            let f = findings_of(
                &format!("0 0 {big} 0 {big} 10 0 10 0 0"),
                &format!("5 0 20 0 20 {big} 5 {big} 5 0"),
            );
            assert!(!f.is_empty(), "{big}: {f:?}");
        }
    }

    #[test]
    fn the_segment_grid_finds_every_segment_near_a_point() {
        // a deterministic scatter of short and long segments
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let segs: Vec<([f64; 2], [f64; 2])> = (0..500)
            .map(|i| {
                let a = [next() * 1000.0, next() * 1000.0];
                let len = if i % 10 == 0 { 400.0 } else { 5.0 };
                let t = next() * std::f64::consts::TAU;
                (a, [a[0] + len * t.cos(), a[1] + len * t.sin()])
            })
            .collect();
        let grid = SegmentGrid::new(segs.iter().copied(), segs.len(), 0.5);
        for _ in 0..2000 {
            // points on or near segments, and anywhere
            let (a, b) = segs[(next() * 500.0) as usize];
            let t = next();
            let p = [
                a[0] + t * (b[0] - a[0]) + next() - 0.5,
                a[1] + t * (b[1] - a[1]) + next() - 0.5,
            ];
            let found: std::collections::HashSet<usize> = grid.near(p).collect();
            for (i, (a, b)) in segs.iter().enumerate() {
                use rstar::PointDistance;
                if Line::new(*a, *b).distance_2(&p) < 0.25 {
                    assert!(found.contains(&i), "segment {i} near {p:?} missed");
                }
            }
        }
    }

    #[test]
    fn touching_objects_need_identical_vertices() {
        // the same vertex (10 5) on both sides, or 1 mm apart: identical
        assert!(findings("10 5", "10 5").is_empty());
        assert!(findings("10 5", "10.001 5").is_empty());
        assert!(findings("", "").is_empty());
        // a has (10 5) on b's edge, b has no vertex there
        let f = findings("10 5", "");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].level, Level::Warning);
        assert_eq!(f[0].gml_ids, ["a", "b"]);
        assert_eq!(f[0].location, Some([10.0, 5.0]));
        // b's vertex 5 mm from a's: both are missing on the other side
        let f = findings("10 5", "10 5.005");
        let pairs: Vec<&[String]> = f.iter().map(|f| f.gml_ids.as_slice()).collect();
        assert_eq!(pairs.len(), 2, "{f:?}");
        assert!(pairs.contains(&&["a".to_string(), "b".to_string()][..]));
        assert!(pairs.contains(&&["b".to_string(), "a".to_string()][..]));
    }
}
