//! Every fixture plan is read completely: features per type equal an
//! independent count of the document's feature members, no geometry is
//! dropped, and arcs are linearised within the chord-error bound.

mod common;

use std::collections::BTreeMap;
use xplanserver::gml::arc::{circumcircle, linearize_curve};
use xplanserver::gml::{Coord, Curve, Geometry, Segment};
use xplanserver::xplan::{parse_document, read_input, split_plans, Limits};

/// Feature members counted by plain text scanning (no XML parser): the
/// element following each `<…featureMember>` / `<…member>` start tag.
fn independent_feature_counts(xml: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    let bytes = xml.as_bytes();
    let mut i = 0;
    while let Some(p) = xml[i..].find('<') {
        let start = i + p + 1;
        i = start;
        if bytes.get(start) == Some(&b'/')
            || bytes.get(start) == Some(&b'!')
            || bytes.get(start) == Some(&b'?')
        {
            continue;
        }
        let end = xml[start..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .map(|e| start + e)
            .unwrap();
        let name = &xml[start..end];
        let local = name.rsplit(':').next().unwrap();
        if local == "featureMember" || local == "member" {
            // the next element start is the feature
            let mut j = end;
            loop {
                let q = j + xml[j..].find('<').unwrap() + 1;
                if xml[q..].starts_with("!--") {
                    j = q + xml[q..].find("-->").unwrap();
                    continue;
                }
                let e = xml[q..]
                    .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                    .map(|e| q + e)
                    .unwrap();
                let fname = xml[q..e].rsplit(':').next().unwrap();
                *counts.entry(fname.to_string()).or_default() += 1;
                break;
            }
        }
    }
    counts
}

/// Coordinate tuples in all gml:pos / gml:posList elements, by text scanning.
fn independent_position_count(xml: &str) -> usize {
    let mut n = 0;
    for tag in ["<gml:posList", "<gml:pos "] {
        let mut rest = xml;
        while let Some(p) = rest.find(tag) {
            let after = &rest[p..];
            let gt = after.find('>').unwrap();
            let head = &after[..gt];
            let dim: usize = head
                .split("srsDimension=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .and_then(|s| s.parse().ok())
                .unwrap_or(2);
            let body = &after[gt + 1..];
            let end = body.find('<').unwrap();
            n += body[..end].split_ascii_whitespace().count() / dim;
            rest = &body[end..];
        }
    }
    // <gml:pos> without attributes
    let mut rest = xml;
    while let Some(p) = rest.find("<gml:pos>") {
        let body = &rest[p + 9..];
        let end = body.find('<').unwrap();
        n += body[..end].split_ascii_whitespace().count() / 2;
        rest = &body[end..];
    }
    n
}

#[test]
fn every_fixture_plan_is_read_completely() {
    let plans = common::fixture_plans();
    assert!(
        plans.len() >= 24,
        "fixtures/plans should hold the 24 plans of the manifest"
    );
    let mut total_named = 0;
    for path in plans {
        let input = read_input(&path, &Limits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let expected_features = independent_feature_counts(&input.gml);
        let expected_positions = independent_position_count(&input.gml);
        let doc = parse_document(input.gml).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut got: BTreeMap<String, usize> = BTreeMap::new();
        for f in &doc.features {
            *got.entry(f.feature_type.clone()).or_default() += 1;
        }
        assert_eq!(
            got,
            expected_features,
            "{}: features per type",
            path.display()
        );
        let positions: usize = doc
            .features
            .iter()
            .flat_map(|f| f.geometries.iter())
            .map(|g| g.geometry.geometry.num_points())
            .sum();
        assert_eq!(
            positions,
            expected_positions,
            "{}: every coordinate belongs to a parsed geometry",
            path.display()
        );
        let split = split_plans(&doc).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!split.is_empty());
        // every feature that names its Bereich is assigned to that Bereich
        let mut named_count = 0;
        for pd in &split {
            for &m in &pd.members {
                let f = &doc.features[m];
                let named = f
                    .references
                    .iter()
                    .filter(|r| {
                        r.property.starts_with("gehoertZu") && r.property.ends_with("Bereich")
                    })
                    .filter_map(|r| r.local_target())
                    .find(|t| pd.bereiche.iter().any(|&b| doc.features[b].gml_id == *t));
                if let Some(b) = named {
                    named_count += 1;
                    assert_eq!(
                        pd.bereich_of.get(&m).map(String::as_str),
                        Some(b),
                        "{}: {} '{}' names Bereich {b}",
                        path.display(),
                        f.feature_type,
                        f.gml_id
                    );
                }
            }
        }
        total_named += named_count;
    }
    // the Bereich check above is not vacuous: most objects name their Bereich
    assert!(
        total_named > 5000,
        "{total_named} objects name their Bereich"
    );
}

fn dist(a: Coord, b: Coord) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

/// Checks the linearisation of every arc of a curve; returns the number of arcs.
fn check_curve(c: &Curve, tol: f64) -> usize {
    let line = linearize_curve(c, tol);
    let mut arcs = 0;
    for s in &c.segments {
        let Segment::Arcs(p) = s else { continue };
        for k in (0..p.len() - 2).step_by(2) {
            let (p0, p1, p2) = (p[k], p[k + 1], p[k + 2]);
            let Some(circle) = circumcircle(p0, p1, p2) else {
                continue;
            };
            arcs += 1;
            let i0 = line
                .iter()
                .position(|&q| q == p0)
                .expect("arc start is a vertex");
            let i2 = i0
                + line[i0..]
                    .iter()
                    .position(|&q| q == p2)
                    .expect("arc end is a vertex");
            assert!(i2 > i0);
            for w in line[i0..=i2].windows(2) {
                for q in w {
                    assert!(
                        (dist(*q, circle.center) - circle.radius).abs()
                            < 1e-6 * circle.radius.max(1.0)
                    );
                }
                let mid = Coord::new((w[0].x + w[1].x) / 2.0, (w[0].y + w[1].y) / 2.0);
                let sagitta = circle.radius - dist(mid, circle.center);
                assert!(sagitta <= tol + 1e-9, "chord error {sagitta} > {tol}");
            }
        }
    }
    arcs
}

#[test]
fn arcs_are_linearised_within_the_chord_bound() {
    for name in [
        "StErhVO_Hamm_60.zip",
        "BPlan001_5-1.gml",
        "BPlan004_6-0.zip",
    ] {
        let input = read_input(
            &common::fixtures().join("plans").join(name),
            &Limits::default(),
        )
        .unwrap();
        let doc = parse_document(input.gml).unwrap();
        let mut arcs = 0;
        for f in &doc.features {
            for g in &f.geometries {
                let curves: Vec<&Curve> = match &g.geometry.geometry {
                    Geometry::Curve(c) => vec![c],
                    Geometry::MultiCurve(cs) => cs.iter().collect(),
                    Geometry::Polygon(p) => p.rings().collect(),
                    Geometry::MultiSurface(ps) => ps.iter().flat_map(|p| p.rings()).collect(),
                    _ => vec![],
                };
                for c in curves {
                    arcs += check_curve(c, 0.05);
                }
            }
        }
        assert!(arcs > 0, "{name} has arcs");
    }
}
