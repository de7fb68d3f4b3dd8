//! Rule 2.2.3.1: spatial objects lie inside the Geltungsbereich.
//!
//! 6.0.2 wording: an object of a Bereich that has a `geltungsbereich` lies
//! inside it; an object of a Bereich whose `bedeutung` is neither 1800
//! (Kompensationsbereich) nor 2000 (InformationenAusserhalbGeltungsbereich)
//! lies inside the plan's `raeumlicherGeltungsbereich`. Up to 5.4: inside
//! the Bereich's Geltungsbereich, or the plan's where the Bereich has none.
//! Not for BP_HoehenMass and BP_AbstandsMass, nor for presentation objects.
//! Tolerance: the Geltungsbereich buffered by 2 mm.

use super::flaechenschluss::{clip, grown, shapes_of, within, Shapes};
use super::geometry::{to_geo, to_geo_area};
use super::{Finding, Level};
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
                                    _ => prepared[a]
                                        .get_or_insert_with(|| PreparedGeometry::from(area))
                                        .relate(&geom)
                                        .is_covers(),
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
