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

use super::geltungsbereich::CHORD;
use super::geometry::to_geo_area;
use super::{Finding, Level};
use crate::xplan::{Document, Feature, PlanData, PlanType, Version};
use geo::{Area, BooleanOps, BoundingRect, Buffer, Centroid, Intersects};
use rayon::prelude::*;

pub const RULE: &str = "2.2.1.1";
/// Half the 2 mm identity tolerance: slivers thinner than this are ignored.
const SLIVER: f64 = 0.001;

fn is_flaechenschluss_object(f: &Feature) -> Option<geo::MultiPolygon<f64>> {
    if f.bool("flaechenschluss") != Some(true) || f.int("ebene").unwrap_or(0) != 0 {
        return None;
    }
    area_of(f, "position")
}

fn area_of(f: &Feature, property: &str) -> Option<geo::MultiPolygon<f64>> {
    to_geo_area(&f.geometry(property)?.geometry.geometry, CHORD)
}

/// Parts of `m` that survive a negative buffer of 1 mm.
fn significant(m: &geo::MultiPolygon<f64>) -> Vec<geo::Polygon<f64>> {
    m.0.iter()
        .filter(|p| p.unsigned_area() > 0.0 && !p.buffer(-SLIVER).0.is_empty())
        .cloned()
        .collect()
}

fn at(p: &geo::Polygon<f64>) -> Option<[f64; 2]> {
    p.centroid().map(|c| [c.x(), c.y()])
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
    let mut out = Vec::new();
    for pd in plans {
        let plan = &doc.features[pd.plan];
        if pd.plan_type == PlanType::LP
            || plan.refs("aendertPlan").next().is_some()
            || plan.properties.contains_key("aendertPlan")
        {
            continue;
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
            continue;
        }
        // 1. no overlaps (candidate pairs by bounding box)
        let rects: Vec<Option<geo::Rect<f64>>> =
            objects.iter().map(|(_, m)| m.bounding_rect()).collect();
        let overlaps: Vec<Finding> = (0..objects.len())
            .into_par_iter()
            .flat_map_iter(|a| {
                let mut found = Vec::new();
                for b in a + 1..objects.len() {
                    let (Some(ra), Some(rb)) = (rects[a], rects[b]) else {
                        continue;
                    };
                    if !ra.intersects(&rb) {
                        continue;
                    }
                    let inter = objects[a].1.intersection(&objects[b].1);
                    if let Some(p) = significant(&inter).first() {
                        let (fa, fb) = (&doc.features[objects[a].0], &doc.features[objects[b].0]);
                        found.push(Finding {
                            rule: RULE.into(),
                            level: Level::Error,
                            message: format!(
                                "Flächenschlussobjekte {} '{}' and {} '{}' overlap ({:.3} m²)",
                                fa.feature_type,
                                fa.gml_id,
                                fb.feature_type,
                                fb.gml_id,
                                inter.unsigned_area()
                            ),
                            gml_ids: vec![fa.gml_id.clone(), fb.gml_id.clone()],
                            line: Some(fa.line),
                            location: at(p),
                        });
                    }
                }
                found
            })
            .collect();
        out.extend(overlaps);
        // 2. coverage of the plan's and the Bereiche's Geltungsbereich
        let for_plan: Vec<&geo::MultiPolygon<f64>> = objects
            .iter()
            .filter(|(i, _)| !pd.bereich_of.get(i).is_some_and(|b| exempt_bereich(b)))
            .map(|(_, m)| m)
            .collect();
        let mut targets: Vec<(&Feature, geo::MultiPolygon<f64>, geo::MultiPolygon<f64>)> =
            Vec::new();
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
    }
    out
}
