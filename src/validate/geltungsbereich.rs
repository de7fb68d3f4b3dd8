//! Rule 2.2.3.1: spatial objects lie inside the Geltungsbereich.
//!
//! 6.0.2 wording: an object of a Bereich that has a `geltungsbereich` lies
//! inside it; an object of a Bereich whose `bedeutung` is neither 1800
//! (Kompensationsbereich) nor 2000 (InformationenAusserhalbGeltungsbereich)
//! lies inside the plan's `raeumlicherGeltungsbereich`. Up to 5.4: inside
//! the Bereich's Geltungsbereich, or the plan's where the Bereich has none.
//! Not for BP_HoehenMass and BP_AbstandsMass, nor for presentation objects.
//! Tolerance: the Geltungsbereich buffered by 2 mm.

use super::geometry::{
    clip, grown, segments_may_meet, shapes_of, to_geo, to_geo_area, within, Shapes,
};
use super::{Finding, Level};
use crate::gml::{Bbox, Coord};
use crate::xplan::{Document, Feature, PlanData, Version};
use geo::indexed::PreparedGeometry;
use geo::{BoundingRect, Buffer, Relate};
use rayon::prelude::*;

pub const RULE: &str = "2.2.3.1";
/// Buffer of the Geltungsbereich (m).
pub const TOLERANCE: f64 = 0.002;
/// Linearisation for the area checks: well below the 2 mm tolerance.
pub const CHORD: f64 = 0.01;

const EXEMPT: &[&str] = &[
    "BP_HoehenMass",
    "BP_AbstandsMass",
    "XP_FPO",
    "XP_LPO",
    "XP_LTO",
    "XP_PPO",
    "XP_PTO",
    "XP_TPO",
    "XP_Nutzungsschablone",
    "XP_Praesentationsobjekt",
];

/// The lines (and points, as one-point lines) of a geometry.
fn polylines(g: &geo::Geometry<f64>) -> Vec<Vec<[f64; 2]>> {
    let line = |l: &geo::LineString<f64>| l.0.iter().map(|c| [c.x, c.y]).collect();
    match g {
        geo::Geometry::Point(p) => vec![vec![[p.x(), p.y()]]],
        geo::Geometry::MultiPoint(ps) => ps.iter().map(|p| vec![[p.x(), p.y()]]).collect(),
        geo::Geometry::LineString(l) => vec![line(l)],
        geo::Geometry::MultiLineString(ls) => ls.iter().map(line).collect(),
        _ => Vec::new(),
    }
}

/// At most this many (band, segment) pairs per object segment (and at
/// least [`MIN_PAIRS`]): an object whose long segments span more bands is
/// left to the exact predicates instead of listing them all.
const PAIRS_PER_SEGMENT: usize = 16;
const MIN_PAIRS: usize = 4096;

fn coord(p: &[f64; 2]) -> Coord {
    Coord { x: p[0], y: p[1] }
}

/// The edges of a ring (closing edge included).
fn ring_edges(ring: &[[f64; 2]]) -> impl Iterator<Item = (Coord, Coord)> + '_ {
    (0..ring.len()).map(move |i| (coord(&ring[i]), coord(&ring[(i + 1) % ring.len()])))
}

/// Even-odd crossing number of `p` over `edges` (a ray towards +x, exact
/// orientation tests): whether it is inside; None when `p` lies on an
/// edge that spans its height. (A point on a horizontal edge gets an
/// answer: callers first make sure no part of the object touches the
/// boundary.)
fn parity(p: Coord, edges: impl Iterator<Item = (Coord, Coord)>) -> Option<bool> {
    use geo::kernels::{Kernel, Orientation, RobustKernel};
    let g = |c: Coord| geo::coord! { x: c.x, y: c.y };
    let mut inside = false;
    for (a, b) in edges {
        // the edge spans p's height (half-open, so a vertex counts once)
        let up = a.y <= p.y && p.y < b.y;
        if !(up || (b.y <= p.y && p.y < a.y)) {
            continue;
        }
        // the ray crosses it when p lies left of an upward edge, right of
        // a downward one
        match RobustKernel::orient2d(g(a), g(b), g(p)) {
            Orientation::Collinear => return None,
            Orientation::CounterClockwise => inside ^= up,
            Orientation::Clockwise => inside ^= !up,
        }
    }
    Some(inside)
}

/// An area's boundary prepared once for the "clearly inside" tests of
/// many objects: its edges with their boxes in horizontal bands (an edge
/// is listed in every band its y-range spans), and each ring's first
/// point and box. A buffered Geltungsbereich has thousands of edges (the
/// round joins), an object a few: the bands keep each test local.
struct Boundary {
    edges: Vec<((Coord, Coord), Bbox)>,
    rings: Vec<(Coord, Bbox)>,
    /// The edges' lowest and highest y.
    y0: f64,
    y1: f64,
    band: f64,
    bands: Vec<Vec<u32>>,
}

impl Boundary {
    fn new(area: &Shapes) -> Boundary {
        let rings = area.iter().flatten().filter(|r| !r.is_empty());
        let edges: Vec<((Coord, Coord), Bbox)> = rings
            .clone()
            .flat_map(|r| ring_edges(r))
            .map(|e| (e, Bbox::of([e.0, e.1])))
            .collect();
        let all = Bbox::of(edges.iter().flat_map(|(e, _)| [e.0, e.1]));
        let n = (edges.len() / 4).clamp(1, 4096);
        let band = ((all.max_y - all.min_y) / n as f64).max(f64::MIN_POSITIVE);
        let mut boundary = Boundary {
            rings: rings
                .map(|r| (coord(&r[0]), Bbox::of(r.iter().map(coord))))
                .collect(),
            y0: all.min_y,
            y1: all.max_y,
            band,
            bands: vec![Vec::new(); n],
            edges,
        };
        for i in 0..boundary.edges.len() {
            let b = boundary.edges[i].1;
            for k in boundary.band_range(b.min_y, b.max_y) {
                boundary.bands[k].push(i as u32);
            }
        }
        boundary
    }

    /// The bands that y-range meets (none when it misses the area).
    fn band_range(&self, lo: f64, hi: f64) -> std::ops::Range<usize> {
        let n = self.bands.len();
        let at = |y: f64| {
            ((y - self.y0) / self.band)
                .floor()
                .clamp(0.0, (n - 1) as f64) as usize
        };
        // (y1, not y0 + n * band: that sum may round below the top edge)
        if self.edges.is_empty() || !(hi >= self.y0 && lo <= self.y1) {
            return 0..0;
        }
        at(lo)..at(hi) + 1
    }

    /// The edges in the bands of y-range lo..hi (an edge may repeat).
    fn edges_in(&self, lo: f64, hi: f64) -> impl Iterator<Item = &((Coord, Coord), Bbox)> {
        self.bands[self.band_range(lo, hi)]
            .iter()
            .flatten()
            .map(|&i| &self.edges[i as usize])
    }

    /// Whether none of `segments` (all within `b`) can meet an edge: band
    /// by band, the edges of a band against the segments in it (a large
    /// object along the boundary spans many bands, each with a few of its
    /// segments and a few edges). False also when the segments span too
    /// many bands to list (see [`PAIRS_PER_SEGMENT`]).
    fn apart_from(&self, segments: &[(Coord, Coord)], b: &Bbox) -> bool {
        let bands_of = |s: &(Coord, Coord)| self.band_range(s.0.y.min(s.1.y), s.0.y.max(s.1.y));
        let pairs: usize = segments.iter().map(|s| bands_of(s).len()).sum();
        if pairs > MIN_PAIRS.max(PAIRS_PER_SEGMENT * segments.len()) {
            return false;
        }
        // (band, segment) for every band a segment's y-range spans
        let mut in_band: Vec<(u32, u32)> = Vec::with_capacity(pairs);
        for (i, s) in segments.iter().enumerate() {
            for k in bands_of(s) {
                in_band.push((k as u32, i as u32));
            }
        }
        in_band.sort_unstable();
        in_band.chunk_by(|x, y| x.0 == y.0).all(|run| {
            self.bands[run[0].0 as usize].iter().all(|&e| {
                let (e, eb) = &self.edges[e as usize];
                !eb.meets(b)
                    || run
                        .iter()
                        .all(|&(_, s)| !segments_may_meet(segments[s as usize], *e))
            })
        })
    }

    /// Whether `p` is inside the area (see [`parity`]).
    fn contains(&self, p: Coord) -> Option<bool> {
        // only the band of p holds edges the ray can cross, each once
        parity(p, self.edges_in(p.y, p.y).map(|(e, _)| *e))
    }
}

/// True when every line (or point) lies in the interior of the area: no
/// part of it can meet the area's boundary (exact orientation tests) and
/// its first point is inside. False means "maybe not".
fn clearly_inside(lines: &[Vec<[f64; 2]>], area: &Boundary) -> bool {
    !lines.is_empty()
        && lines.iter().all(|line| {
            let Some(first) = line.first().map(coord) else {
                return false;
            };
            let segments: Vec<(Coord, Coord)> = if line.len() == 1 {
                vec![(first, first)]
            } else {
                line.windows(2)
                    .map(|w| (coord(&w[0]), coord(&w[1])))
                    .collect()
            };
            area.apart_from(&segments, &Bbox::of(line.iter().map(coord)))
                && area.contains(first) == Some(true)
        })
}

/// True when every polygon lies in the interior of the area (even-odd,
/// as the exact predicate counts, so also for invalid polygons): no edge
/// of it can meet the area's boundary, so each of its rings lies wholly
/// inside or wholly outside the area, and the first point of each ring is
/// inside; and no ring of the area lies inside the polygon (a hole of the
/// area within it), the only way a point enclosed by rings inside the
/// area can be outside it. False means "maybe not".
fn clearly_within(polygons: &Shapes, area: &Boundary) -> bool {
    !polygons.is_empty()
        && polygons.iter().all(|rings| {
            let edges: Vec<(Coord, Coord)> = rings.iter().flat_map(|r| ring_edges(r)).collect();
            let b = Bbox::of(rings.iter().flatten().map(coord));
            !edges.is_empty()
                && area.apart_from(&edges, &b)
                && rings
                    .iter()
                    .filter_map(|r| r.first())
                    .all(|p| area.contains(coord(p)) == Some(true))
                && area
                    .rings
                    .iter()
                    .filter(|(_, rb)| rb.meets(&b))
                    .all(|(p, _)| parity(*p, edges.iter().copied()) == Some(false))
        })
}

/// A Geltungsbereich buffered by the tolerance.
fn area(f: &Feature, property: &str) -> Option<geo::MultiPolygon<f64>> {
    let mp = to_geo_area(&f.geometry(property)?.geometry.geometry, CHORD)?;
    Some(mp.buffer(TOLERANCE))
}

/// A Bereich's gml:id, buffered Geltungsbereich and bedeutung.
type BereichArea<'a> = (&'a str, Option<geo::MultiPolygon<f64>>, Option<i32>);

/// Checks 2.2.3.1 for every plan of the document.
pub fn check(doc: &Document, plans: &[PlanData]) -> Vec<Finding> {
    plans
        .par_iter()
        .map(|pd| {
            let plan = &doc.features[pd.plan];
            let plan_area = area(plan, "raeumlicherGeltungsbereich");
            let bereiche: Vec<BereichArea<'_>> = pd
                .bereiche
                .iter()
                .map(|&b| {
                    let f = &doc.features[b];
                    (
                        f.gml_id.as_str(),
                        area(f, "geltungsbereich"),
                        f.int("bedeutung"),
                    )
                })
                .collect();
            // Areas: 0 = the plan's, 1 + k = the k-th Bereich's.
            let mut areas: Vec<Option<&geo::MultiPolygon<f64>>> = vec![plan_area.as_ref()];
            areas.extend(bereiche.iter().map(|(_, a, _)| a.as_ref()));
            let rects: Vec<Option<geo::Rect<f64>>> = areas
                .iter()
                .map(|a| a.and_then(|a| a.bounding_rect()))
                .collect();
            let area_shapes: Vec<Shapes> = areas
                .iter()
                .map(|a| a.map(|a| shapes_of(&a.0)).unwrap_or_default())
                .collect();
            let boundaries: Vec<Boundary> = area_shapes.iter().map(Boundary::new).collect();
            // areas: clearly within, or the exact predicate against the
            // part of the Geltungsbereich around the object
            let area_within = |shapes: &Shapes, b: &geo::Rect<f64>, a: usize| {
                clearly_within(shapes, &boundaries[a])
                    || within(shapes, &clip(&area_shapes[a], &grown(b, 0.01)))
            };
            let findings: Vec<Finding> = pd
                .members
                .par_iter()
                .filter(|&&i| i != pd.plan && !pd.bereiche.contains(&i))
                // each worker prepares (indexes) the areas once, lazily
                .map_init(
                    Vec::<Option<PreparedGeometry<'_, &geo::MultiPolygon<f64>>>>::new,
                    |prepared, &i| {
                        if prepared.is_empty() {
                            prepared.extend(areas.iter().map(|_| None));
                        }
                        let f = &doc.features[i];
                        if EXEMPT.contains(&f.feature_type.as_str()) {
                            return None;
                        }
                        let g = f.primary_geometry()?;
                        let k = pd
                            .bereich_of
                            .get(&i)
                            .and_then(|id| bereiche.iter().position(|(bid, _, _)| bid == id));
                        let (bereich_area, bedeutung) = match k {
                            Some(k) => (areas[k + 1].map(|_| k + 1), bereiche[k].2),
                            None => (None, None),
                        };
                        let exempt_plan = matches!(bedeutung, Some(1800) | Some(2000));
                        let plan_idx = areas[0].map(|_| 0);
                        // which areas the object must lie in
                        let mut required: Vec<(usize, &str)> = Vec::new();
                        const OF_BEREICH: &str = "the Geltungsbereich of its Bereich";
                        const OF_PLAN: &str = "the räumlicher Geltungsbereich of the plan";
                        if doc.version >= Version::V6_0 {
                            required.extend(bereich_area.map(|a| (a, OF_BEREICH)));
                            if !exempt_plan {
                                required.extend(plan_idx.map(|a| (a, OF_PLAN)));
                            }
                        } else if let Some(a) = bereich_area {
                            required.push((a, OF_BEREICH));
                        } else if !exempt_plan {
                            required.extend(plan_idx.map(|a| (a, OF_PLAN)));
                        }
                        let geom = to_geo(&g.geometry.geometry, CHORD);
                        let bbox = geom.bounding_rect();
                        let shapes = match &geom {
                            geo::Geometry::Polygon(p) => Some(shapes_of(std::slice::from_ref(p))),
                            geo::Geometry::MultiPolygon(m) => Some(shapes_of(&m.0)),
                            _ => None,
                        };
                        let lines = match shapes {
                            Some(_) => Vec::new(),
                            None => polylines(&geom),
                        };
                        let mut outside: Vec<&str> = Vec::new();
                        for (a, what) in required {
                            let (Some(area), Some(rect)) = (areas[a], rects[a]) else {
                                continue;
                            };
                            let in_rect = bbox.filter(|b| {
                                b.min().x >= rect.min().x
                                    && b.min().y >= rect.min().y
                                    && b.max().x <= rect.max().x
                                    && b.max().y <= rect.max().y
                            });
                            let covered = match (in_rect, &shapes) {
                                (None, _) => false,
                                (Some(b), Some(shapes)) => area_within(shapes, &b, a),
                                // lines and points: clearly inside, or the
                                // exact relate decides
                                (Some(_), None) => {
                                    clearly_inside(&lines, &boundaries[a])
                                        || prepared[a]
                                            .get_or_insert_with(|| PreparedGeometry::from(area))
                                            .relate(&geom)
                                            .is_covers()
                                }
                            };
                            if !covered {
                                outside.push(what);
                            }
                        }
                        if outside.is_empty() {
                            return None;
                        }
                        let mut at = None;
                        g.geometry.geometry.for_each_point(&mut |c| {
                            if at.is_none() {
                                at = Some([c.x, c.y]);
                            }
                        });
                        Some(Finding {
                            rule: RULE.into(),
                            level: Level::Error,
                            message: format!(
                                "{} '{}' ({}) does not lie inside {}",
                                f.feature_type,
                                f.gml_id,
                                g.property,
                                outside.join(" nor inside ")
                            ),
                            gml_ids: vec![f.gml_id.clone()],
                            line: Some(g.geometry.line),
                            location: at,
                        })
                    },
                )
                .flatten()
                .collect();
            findings
        })
        .collect::<Vec<_>>()
        .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A square 0..10 with a hole 4..6.
    fn square_with_hole() -> Boundary {
        Boundary::new(&vec![vec![
            vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]],
            vec![[4.0, 4.0], [4.0, 6.0], [6.0, 6.0], [6.0, 4.0]],
        ]])
    }

    #[test]
    fn lines_and_points_clearly_inside_an_area() {
        let area = square_with_hole();
        let inside = |lines: &[Vec<[f64; 2]>]| clearly_inside(lines, &area);
        assert!(inside(&[vec![[1.0, 1.0], [3.0, 1.0], [3.0, 8.0]]]));
        assert!(inside(&[vec![[1.0, 1.0]], vec![[9.0, 9.0]]]));
        // in the hole, outside, crossing the boundary or the hole, on the boundary
        assert!(!inside(&[vec![[5.0, 5.0]]]));
        assert!(!inside(&[vec![[11.0, 5.0]]]));
        assert!(!inside(&[vec![[1.0, 1.0], [11.0, 1.0]]]));
        assert!(!inside(&[vec![[1.0, 5.0], [9.0, 5.0]]]));
        assert!(!inside(&[vec![[4.5, 4.5], [5.5, 5.5]]]));
        assert!(!inside(&[vec![[0.0, 5.0]]]));
        assert!(!inside(&[vec![[1.0, 10.0], [2.0, 9.0]]]));
        // just inside, by the exact side test
        assert!(inside(&[vec![[1e-300, 5.0]]]));
        assert!(!inside(&[vec![[-1e-300, 5.0]]]));
        assert!(!inside(&[]));
    }

    #[test]
    fn polygons_clearly_within_an_area() {
        let area = square_with_hole();
        let sq = |x0: f64, y0: f64, x1: f64, y1: f64| vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
        let within = |rings: Vec<Vec<[f64; 2]>>| clearly_within(&vec![rings], &area);
        assert!(within(vec![sq(1.0, 1.0, 3.0, 3.0)]));
        assert!(within(vec![sq(1.0, 1.0, 3.0, 9.0), sq(1.5, 2.0, 2.5, 3.0)]));
        // two polygons, both inside
        assert!(clearly_within(
            &vec![vec![sq(1.0, 1.0, 2.0, 2.0)], vec![sq(7.0, 7.0, 9.0, 9.0)]],
            &area
        ));
        // around the area's hole (its ring lies inside the polygon); with a
        // hole of its own around the area's hole it is within
        assert!(!within(vec![sq(3.0, 3.0, 7.0, 7.0)]));
        assert!(!within(vec![
            sq(3.0, 3.0, 7.0, 7.0),
            sq(4.5, 4.5, 5.5, 5.5)
        ]));
        assert!(within(vec![sq(3.0, 3.0, 7.0, 7.0), sq(3.5, 3.5, 6.5, 6.5)]));
        // inside the area's hole, outside, crossing, touching the boundary
        assert!(!within(vec![sq(4.5, 4.5, 5.5, 5.5)]));
        assert!(!within(vec![sq(11.0, 1.0, 12.0, 2.0)]));
        assert!(!within(vec![sq(8.0, 1.0, 12.0, 2.0)]));
        assert!(!within(vec![sq(0.0, 1.0, 2.0, 2.0)]));
        assert!(!within(vec![sq(2.0, 4.5, 4.0, 5.5)]));
        // an invalid polygon whose "hole" lies outside the area: even-odd
        // fills it, so it is not within
        assert!(!within(vec![
            sq(1.0, 1.0, 3.0, 3.0),
            sq(11.0, 1.0, 12.0, 2.0)
        ]));
        // one of two polygons outside
        assert!(!clearly_within(
            &vec![vec![sq(1.0, 1.0, 2.0, 2.0)], vec![sq(17.0, 7.0, 19.0, 9.0)]],
            &area
        ));
        assert!(!clearly_within(&vec![], &area));
    }

    /// A ring of `n` points around the origin, the i-th at `radius(i)`.
    fn ring_around(n: usize, radius: impl Fn(usize) -> f64) -> Vec<[f64; 2]> {
        (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                [radius(i) * a.cos(), radius(i) * a.sin()]
            })
            .collect()
    }

    /// The banded tests answer as the plain ones over all edges do.
    #[test]
    fn bands_answer_as_all_edges() {
        // a star-like ring with many edges of all lengths and a hole
        let ring = ring_around(400, |i| {
            if i % 7 == 0 {
                100.0
            } else {
                60.0 + (i % 13) as f64 * 3.0
            }
        });
        let hole = vec![[-5.0, -5.0], [-5.0, 5.0], [5.0, 5.0], [5.0, -5.0]];
        let area = Boundary::new(&vec![vec![ring, hole]]);
        assert!(area.bands.len() > 50);
        let all = || area.edges.iter().map(|(e, _)| *e);
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 24_000) as f64 / 100.0 - 120.0
        };
        let (mut inside, mut outside) = (0, 0);
        for _ in 0..5000 {
            let p = Coord {
                x: next(),
                y: next(),
            };
            let banded = area.contains(p);
            assert_eq!(banded, parity(p, all()), "{p:?}");
            match banded {
                Some(true) => inside += 1,
                Some(false) => outside += 1,
                None => {}
            }
            let q = Coord {
                x: p.x + next() / 10.0,
                y: p.y + next() / 10.0,
            };
            let segment = [(p, q)];
            let brute = all().all(|e| !segments_may_meet(segment[0], e));
            assert_eq!(
                area.apart_from(&segment, &Bbox::of([p, q])),
                brute,
                "{p:?} {q:?}"
            );
        }
        assert!(inside > 500 && outside > 500, "{inside} {outside}");
    }

    /// An L-shaped area whose band count makes y0 + n * band round below
    /// its top: edges along the top are still in a band, so a line up to
    /// the top over the lower part is not "clearly inside".
    #[test]
    fn edges_at_the_top_are_in_a_band() {
        let corners = [
            [0.0, 0.0],
            [2.0, 0.0],
            [2.0, 0.5],
            [1.0, 0.5],
            [1.0, 1.0],
            [0.0, 1.0],
        ];
        let mut ring = Vec::new();
        for i in 0..corners.len() {
            let (a, b) = (corners[i], corners[(i + 1) % corners.len()]);
            for k in 0..33 {
                let t = k as f64 / 33.0;
                ring.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
            }
        }
        let area = Boundary::new(&vec![vec![ring]]);
        assert_eq!(area.bands.len(), 49);
        assert!(
            area.y0 + area.band * 49.0 < 1.0,
            "the rounding this test is about"
        );
        assert!(!clearly_inside(
            &[vec![[0.5, 0.5], [0.5, 1.0], [1.5, 1.0]]],
            &area
        ));
        assert!(!clearly_inside(&[vec![[0.5, 0.5], [0.5, 2.0]]], &area));
        assert!(!clearly_within(
            &vec![vec![vec![[0.4, 0.5], [0.6, 0.5], [0.5, 2.0]]]],
            &area
        ));
        // on a side the ray meets: undecided; just inside the top edge
        assert_eq!(area.contains(Coord { x: 0.0, y: 0.5 }), None);
        assert_eq!(area.contains(Coord { x: 0.5, y: 0.999 }), Some(true));
        assert_eq!(area.contains(Coord { x: 1.5, y: 0.999 }), Some(false));
        assert!(clearly_inside(
            &[vec![[0.5, 0.5], [0.5, 0.999], [0.1, 0.001]]],
            &area
        ));
    }

    /// Objects whose long segments span very many bands are left to the
    /// exact predicates (bounded work), shorter ones are decided.
    #[test]
    fn segments_spanning_many_bands_are_left_to_the_exact_test() {
        let area = Boundary::new(&vec![vec![ring_around(4000, |_| 100.0)]]);
        assert_eq!(area.bands.len(), 1000);
        // 2 000 segments, each over ~60 % of the height
        let zigzag: Vec<[f64; 2]> = (0..=2000)
            .map(|i| {
                [
                    -50.0 + i as f64 * 0.05,
                    if i % 2 == 0 { -30.0 } else { 30.0 },
                ]
            })
            .collect();
        assert!(!clearly_inside(std::slice::from_ref(&zigzag), &area));
        let short: Vec<[f64; 2]> = (0..=2000)
            .map(|i| [-50.0 + i as f64 * 0.05, if i % 2 == 0 { -0.1 } else { 0.1 }])
            .collect();
        assert!(clearly_inside(&[short], &area));
    }

    /// On the fixture plans, every object clearly within its plan's
    /// Geltungsbereich is within it by the exact predicate too (areas
    /// without area aside: the predicate counts an empty area as not
    /// within; lines and points: geo's relate), and most objects take the
    /// fast path.
    #[test]
    fn clearly_within_agrees_with_the_exact_predicate_on_the_fixture_plans() {
        let (mut clear, mut total, mut lines, mut lines_clear) = (0, 0, 0, 0);
        for (path, doc) in crate::validate::fixture_documents() {
            let Ok(plans) = crate::xplan::plan::split_features(&doc.features) else {
                continue;
            };
            for pd in &plans {
                let Some(gb) = area(&doc.features[pd.plan], "raeumlicherGeltungsbereich") else {
                    continue;
                };
                let gb_shapes = shapes_of(&gb.0);
                let boundary = Boundary::new(&gb_shapes);
                for &i in &pd.members {
                    let Some(g) = doc.features[i].primary_geometry() else {
                        continue;
                    };
                    let Some(m) = to_geo_area(&g.geometry.geometry, CHORD) else {
                        // lines and points: clearly inside means covered
                        let geom = to_geo(&g.geometry.geometry, CHORD);
                        lines += 1;
                        if clearly_inside(&polylines(&geom), &boundary) {
                            lines_clear += 1;
                            assert!(
                                PreparedGeometry::from(&gb).relate(&geom).is_covers(),
                                "{}: {}",
                                path.display(),
                                doc.features[i].gml_id
                            );
                        }
                        continue;
                    };
                    let shapes = shapes_of(&m.0);
                    total += 1;
                    if !clearly_within(&shapes, &boundary) {
                        continue;
                    }
                    clear += 1;
                    let r = grown(&m.bounding_rect().unwrap(), 0.01);
                    assert!(
                        within(&shapes, &clip(&gb_shapes, &r))
                            || geo::Area::unsigned_area(&m) < 1e-6,
                        "{}: {}",
                        path.display(),
                        doc.features[i].gml_id
                    );
                }
            }
        }
        assert!(total > 1000 && clear * 10 > total * 9, "{clear} of {total}");
        assert!(
            lines > 500 && lines_clear * 2 > lines,
            "{lines_clear} of {lines}"
        );
    }
}
