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
use super::geometry::to_geo_area;
use super::{Finding, Level};
use crate::xplan::{Document, Feature, PlanData, PlanType, Version};
use geo::{Area, BooleanOps, BoundingRect, Buffer, Centroid, Intersects};
use rayon::prelude::*;
use rstar::{primitives::GeomWithData, primitives::Line, RTree, AABB};

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
pub(crate) fn significant(m: &geo::MultiPolygon<f64>) -> Vec<geo::Polygon<f64>> {
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
                            location: at(p),
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
    let points: Vec<Vec<[f64; 2]>> = objects
        .par_iter()
        .map(|(i, _)| {
            doc.features[*i]
                .geometry("position")
                .map(|g| control_points(&g.geometry.geometry))
                .unwrap_or_default()
        })
        .collect();
    let vertex_tree: RTree<GeomWithData<[f64; 2], usize>> = RTree::bulk_load(
        points
            .iter()
            .enumerate()
            .flat_map(|(k, ps)| ps.iter().map(move |p| GeomWithData::new(*p, k)))
            .collect(),
    );
    // the edges as drawn (arcs linearised)
    let edge_tree: RTree<GeomWithData<Line<[f64; 2]>, usize>> = RTree::bulk_load(
        objects
            .iter()
            .enumerate()
            .flat_map(|(k, (_, m))| {
                m.0.iter()
                    .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                    .flat_map(|ring| ring.lines())
                    .map(move |l| {
                        GeomWithData::new(Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]), k)
                    })
            })
            .collect(),
    );
    let d2 = IDENTICAL * IDENTICAL;
    (0..objects.len())
        .into_par_iter()
        .flat_map_iter(|a| {
            // other object -> (first vertex, number of vertices)
            let mut missing: Vec<(usize, [f64; 2], usize)> = Vec::new();
            for v in &points[a] {
                let env = AABB::from_corners(
                    [v[0] - IDENTICAL, v[1] - IDENTICAL],
                    [v[0] + IDENTICAL, v[1] + IDENTICAL],
                );
                let mut near: Vec<usize> = edge_tree
                    .locate_in_envelope_intersecting(&env)
                    .filter(|e| e.data != a && e.geom().distance_2(v) < d2)
                    .map(|e| e.data)
                    .collect();
                near.sort_unstable();
                near.dedup();
                for b in near {
                    let has_vertex = vertex_tree
                        .locate_within_distance(*v, d2)
                        .any(|p| p.data == b);
                    if has_vertex {
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
        let ns = Version::V5_4.namespace();
        let a = polygon("a", &format!("0 0 10 0 {a_extra} 10 10 0 10 0 0"));
        let b = polygon("b", &format!("10 0 20 0 20 10 10 10 {b_extra} 10 0"));
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
