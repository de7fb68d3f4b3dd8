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
    clip, grown, ray_crosses, segments_may_meet, shapes_of, to_geo, to_geo_area, within, Shapes,
};
use super::{Finding, Level};
use crate::gml::Coord;
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

/// True when every line (or point) lies in the interior of the area: no
/// part of it can meet the area's boundary (exact orientation tests) and
/// its first point is inside. False means "maybe not".
fn clearly_inside(lines: &[Vec<[f64; 2]>], area: &Shapes) -> bool {
    let c = |p: &[f64; 2]| Coord { x: p[0], y: p[1] };
    let edges: Vec<(Coord, Coord)> = area
        .iter()
        .flatten()
        .flat_map(|r| (0..r.len()).map(move |i| (c(&r[i]), c(&r[(i + 1) % r.len()]))))
        .collect();
    for line in lines {
        let Some(first) = line.first().map(c) else {
            return false;
        };
        let segments: Vec<(Coord, Coord)> = if line.len() == 1 {
            vec![(first, first)]
        } else {
            line.windows(2).map(|w| (c(&w[0]), c(&w[1]))).collect()
        };
        if segments
            .iter()
            .any(|s| edges.iter().any(|e| segments_may_meet(*s, *e)))
        {
            return false;
        }
        // even-odd crossing number over all rings
        if edges
            .iter()
            .filter(|e| ray_crosses(first, e.0, e.1))
            .count()
            % 2
            == 0
        {
            return false;
        }
    }
    !lines.is_empty()
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
                        let mut outside: Vec<&str> = Vec::new();
                        for (a, what) in required {
                            let (Some(area), Some(rect)) = (areas[a], rects[a]) else {
                                continue;
                            };
                            let in_rect = bbox.is_some_and(|b| {
                                b.min().x >= rect.min().x
                                    && b.min().y >= rect.min().y
                                    && b.max().x <= rect.max().x
                                    && b.max().y <= rect.max().y
                            });
                            let covered = in_rect
                                && match (&geom, bbox) {
                                    // areas: exact predicate against the part of
                                    // the Geltungsbereich around the object
                                    (geo::Geometry::Polygon(p), Some(b)) => {
                                        let r = grown(&b, 0.01);
                                        within(
                                            &shapes_of(std::slice::from_ref(p)),
                                            &clip(&area_shapes[a], &r),
                                        )
                                    }
                                    (geo::Geometry::MultiPolygon(m), Some(b)) => {
                                        let r = grown(&b, 0.01);
                                        within(&shapes_of(&m.0), &clip(&area_shapes[a], &r))
                                    }
                                    // lines and points: clearly inside, or the
                                    // exact relate decides
                                    (_, Some(b)) => {
                                        let r = grown(&b, 0.01);
                                        clearly_inside(
                                            &polylines(&geom),
                                            &clip(&area_shapes[a], &r),
                                        ) || prepared[a]
                                            .get_or_insert_with(|| PreparedGeometry::from(area))
                                            .relate(&geom)
                                            .is_covers()
                                    }
                                    _ => false,
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

    #[test]
    fn lines_and_points_clearly_inside_an_area() {
        // a square 0..10 with a hole 4..6
        let area: Shapes = vec![vec![
            vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]],
            vec![[4.0, 4.0], [4.0, 6.0], [6.0, 6.0], [6.0, 4.0]],
        ]];
        let inside = |lines: &[Vec<[f64; 2]>]| clearly_inside(lines, &area);
        assert!(inside(&[vec![[1.0, 1.0], [3.0, 1.0], [3.0, 8.0]]]));
        assert!(inside(&[vec![[1.0, 1.0]], vec![[9.0, 9.0]]]));
        // in the hole, outside, crossing the boundary or the hole, on the boundary
        assert!(!inside(&[vec![[5.0, 5.0]]]));
        assert!(!inside(&[vec![[11.0, 5.0]]]));
        assert!(!inside(&[vec![[1.0, 1.0], [11.0, 1.0]]]));
        assert!(!inside(&[vec![[1.0, 5.0], [9.0, 5.0]]]));
        assert!(!inside(&[vec![[0.0, 5.0]]]));
        assert!(!inside(&[vec![[1.0, 10.0], [2.0, 9.0]]]));
        assert!(!inside(&[]));
        // clipping the area around the line keeps the answer
        let r = geo::Rect::new(
            geo::coord! { x: 0.99, y: 0.99 },
            geo::coord! { x: 3.01, y: 8.01 },
        );
        assert!(clearly_inside(
            &[vec![[1.0, 1.0], [3.0, 1.0], [3.0, 8.0]]],
            &clip(&area, &r)
        ));
        let r = geo::Rect::new(
            geo::coord! { x: 4.49, y: 4.49 },
            geo::coord! { x: 5.51, y: 5.51 },
        );
        assert!(!clearly_inside(
            &[vec![[4.5, 4.5], [5.5, 5.5]]],
            &clip(&area, &r)
        ));
    }
}
